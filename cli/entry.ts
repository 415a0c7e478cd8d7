// The bundle's entry point: run `po` with the process arguments.
import { main } from './main.js';
import { stopQuietlyWhenReaderLeaves } from './output.js';

stopQuietlyWhenReaderLeaves(process.stdout);
stopQuietlyWhenReaderLeaves(process.stderr);
await main(process.argv);
