// Test entry: runs the CLI's main() from source under tsx.
import { main } from "../../src/cli/main.js";

process.exitCode = await main(process.argv.slice(2));
