/// <reference types="vitest/config" />
import { defineConfig } from 'vite';

// Relative asset paths (`base: './'`): the same dist/ is served by `ibid serve`
// at `/` and loaded by the Tauri webview from its own scheme.
// No inline scripts or styles: the strict CSP (script-src 'self'; style-src 'self')
// must hold, so module preload polyfill (an inline script) is off and CSS is a file.
export default defineConfig({
  base: './',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    sourcemap: false,
  },
  // `npm run dev` against a running `ibid serve` (IBID_URL, default port 4719):
  // the proxy drops the Origin header, which `ibid serve` only accepts from itself.
  server: {
    port: 5173,
    proxy: {
      '/api': {
        target: process.env.IBID_URL ?? 'http://127.0.0.1:4719',
        changeOrigin: true,
        configure: (proxy) => proxy.on('proxyReq', (req) => req.removeHeader('origin')),
      },
    },
  },
  test: {
    environment: 'jsdom',
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
  },
});
