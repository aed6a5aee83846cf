"use strict";
// The addon built by node-gyp on install; loading fails (and callers fall back) when it was not built.
module.exports = require("./build/Release/chunkhash.node");
