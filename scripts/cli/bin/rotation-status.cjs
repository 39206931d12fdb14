#!/usr/bin/env node
require("tsx/cjs");
require("../rotation-status/main.ts");
