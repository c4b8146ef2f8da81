// Stands in for Node's built-in modules in the browser bundle (see webpack.config.js): any use is a bug.
module.exports = new Proxy(
  {},
  {
    get(_target, key) {
      if (key === '__esModule' || typeof key === 'symbol') return undefined;
      return () => {
        throw new Error(`abw: Node's ${String(key)} is not available in the browser`);
      };
    },
  },
);
