#!/usr/bin/env node
// Entry point of the `kubepki` bin.
// No v8-compile-cache: its cache (one blob and one map file per entry point, written at exit without atomic
// replacement while other runs read them) can hand V8 another file's code when runs overlap or one is killed, which
// crashed V8 (`Check failed: current == end_slot_index`); measured, it saved ~10 ms of CPU on `plan`.
// @peculiar/x509's Reflect polyfill is loaded with it (crypto/peculiar-x509.ts), only by verbs that read CSRs.
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
