import { createRequire } from "node:module";

import hardhatToolboxMochaEthersPlugin from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { defineConfig } from "hardhat/config";

const require = createRequire(import.meta.url);

/** The pinned `solc` npm package: Hardhat compiles with it and never downloads a compiler. */
const SOLC_VERSION: string = require("solc/package.json").version;
const SOLC_PATH = require.resolve("solc/soljson.js");

const compiler = {
  version: SOLC_VERSION,
  path: SOLC_PATH,
  settings: {
    optimizer: { enabled: true, runs: 10_000 },
    evmVersion: "cancun",
  },
};

export default defineConfig({
  plugins: [hardhatToolboxMochaEthersPlugin],
  solidity: {
    profiles: {
      default: compiler,
      production: compiler,
    },
  },
  paths: {
    ignition: "deploy",
  },
  test: {
    solidity: {
      fuzz: { runs: 256 },
    },
  },
});
