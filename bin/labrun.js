#!/usr/bin/env node
// Launcher: the compiled CLI, built by `npm install` through the "prepare" script.
import "../dist/main.js";
