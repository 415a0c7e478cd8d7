// The bundle's entry point: run `po` with the process arguments.
import { main } from './main.js';

await main(process.argv);
