#!/usr/bin/env node
// The command, built by `npm ci` (the root prepare script runs tsc -b).
import '../dist/main.js';
