import type { ClientRequest, IncomingMessage } from 'node:http';
import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

/** Where the controller listens in development; the built editor is served by the controller itself. */
const controller = process.env.DW_CONTROLLER_URL ?? 'http://127.0.0.1:4400';

/**
 * The controller refuses state changes from another Origin (CSRF). The dev server's own pages are the editor,
 * so their Origin is rewritten to the controller's; any other page's Origin passes unchanged and is refused.
 */
function ownOriginAsController(proxyReq: ClientRequest, req: IncomingMessage): void {
  const origin = req.headers.origin;
  if (origin !== undefined && req.headers.host !== undefined && origin === `http://${req.headers.host}`) {
    proxyReq.setHeader('origin', new URL(controller).origin);
  }
}

export default defineConfig({
  plugins: [react()],
  resolve: {
    // Workspace packages export their TypeScript sources; 'source' lets a future build-output export coexist.
    conditions: ['source', ...defaultClientConditions],
  },
  server: {
    proxy: {
      '/api': {
        target: controller,
        changeOrigin: true,
        configure: (proxy) => proxy.on('proxyReq', ownOriginAsController),
      },
      '/socket.io': {
        target: controller,
        ws: true,
        changeOrigin: true,
        configure: (proxy) => {
          proxy.on('proxyReq', ownOriginAsController);
          proxy.on('proxyReqWs', ownOriginAsController);
        },
      },
    },
  },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1000 },
});
