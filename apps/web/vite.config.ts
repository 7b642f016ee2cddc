import { defineConfig } from 'vite';

// Two pages: the app's entry (index.html) and the transfer link's download page (transfer.html,
// which the server sends for /t/<id>). Assets land in dist/assets with hashed names.
export default defineConfig({
  root: import.meta.dirname,
  build: {
    rolldownOptions: { input: { index: 'index.html', transfer: 'transfer.html' } },
  },
});
