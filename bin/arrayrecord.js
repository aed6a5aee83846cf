#!/usr/bin/env node
// The CLI entry: runs the compiled command-line program (built into dist/ by `npm run build`).
import { main } from "../dist/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
