#!/usr/bin/env node
// Entry point of the `kubepki` bin.
// v8-compile-cache keeps V8's compiled code between runs: start-up is part of every call users make, and Node 20 has
// no built-in module compile cache.
import 'v8-compile-cache';
// @peculiar/x509 needs a Reflect polyfill before it loads.
import 'reflect-metadata';
import { runCli } from './run-cli';

// `kubepki access ... | head` closes the pipe early: that is the reader's choice, not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`kubepki: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
