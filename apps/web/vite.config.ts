import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

// Two pages: the app (index.html, React) and the transfer link's download page (transfer.html,
// which the server sends for /t/<id>). Assets land in dist/assets with hashed names. The
// packages are bundled from their TypeScript sources ('development' condition), so a build never
// depends on their dist being current.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  resolve: { conditions: ['development', ...defaultClientConditions] },
  build: {
    rolldownOptions: { input: { index: 'index.html', transfer: 'transfer.html' } },
  },
});
