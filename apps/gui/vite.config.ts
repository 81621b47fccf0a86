// Builds the browser client (client/) into dist/client/, which the server serves as it is:
// hashed file names, no source maps shipped to a browser, nothing loaded from the network.
// The client imports @runyard/store's status reducer from source (the "@runyard/source"
// condition), so it applies events exactly as the executor does.
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

export default defineConfig({
  root: "client",
  base: "./",
  plugins: [react()],
  resolve: { conditions: ["@runyard/source"] },
  build: {
    outDir: "../dist/client",
    emptyOutDir: true,
    sourcemap: false,
    // One script and one stylesheet: the page loads in one round trip over an ssh forward.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1024,
    reportCompressedSize: false,
  },
  logLevel: "warn",
});
