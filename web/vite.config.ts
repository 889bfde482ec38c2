import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

/** Where the controller listens in development; the built editor is served by the controller itself. */
const controller = process.env.DW_CONTROLLER_URL ?? 'http://127.0.0.1:4400';

export default defineConfig({
  plugins: [react()],
  resolve: {
    // Workspace packages export their TypeScript sources; 'source' lets a future build-output export coexist.
    conditions: ['source', ...defaultClientConditions],
  },
  server: {
    proxy: {
      '/api': { target: controller, changeOrigin: true },
      '/socket.io': { target: controller, ws: true, changeOrigin: true },
    },
  },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1000 },
});
