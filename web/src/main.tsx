import '@xyflow/react/dist/style.css';
import './styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { adoptControllerToken } from './api/controller-token';
import { httpClient } from './api/http-client';
import { App } from './app/app';
import { createTrafficStore } from './live/traffic-store';
import { StoresProvider } from './store/editor-context';
import { createEditorStore } from './store/editor-store';

adoptControllerToken();
const traffic = createTrafficStore();
const editor = createEditorStore({ http: httpClient, traffic });

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <StoresProvider stores={{ editor, traffic }}>
      <App />
    </StoresProvider>
  </StrictMode>,
);
