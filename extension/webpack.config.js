/**
 * Merged by the JupyterLab builder (@jupyter/builder, which runs Rspack, webpack-compatible)
 * into its federated-extension config (package.json jupyterlab.webpackConfig).
 *  - `node:*` imports: the shared kernel-bridge modules this extension bundles (results/,
 *    report/) also hold the CLI's file-reading functions. The browser never calls them, but
 *    webpack resolves every import, so `node:*` resolves to a stub that throws if used.
 *  - `?raw`: plotly.min.js as text, for the self-contained report (webpack asset/source).
 */
const path = require('path');
const { rspack } = require('@rspack/core');

module.exports = {
  // results/validate.ts names __dirname inside a function the browser never calls.
  node: { __dirname: 'mock' },
  plugins: [
    new rspack.NormalModuleReplacementPlugin(/^node:/, (resource) => {
      resource.request = path.resolve(__dirname, 'node-stub.js');
    }),
  ],
  module: {
    rules: [{ resourceQuery: /raw/, type: 'asset/source' }],
  },
};
