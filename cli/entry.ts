// The bundle's entry point: run `po` with the process arguments.
import { main } from './main.js';
import { carryOnWhenReaderLeaves, stopQuietlyWhenReaderLeaves } from './output.js';

stopQuietlyWhenReaderLeaves(process.stdout);
carryOnWhenReaderLeaves(process.stderr);
await main(process.argv);
