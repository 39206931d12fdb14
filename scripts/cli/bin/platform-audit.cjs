#!/usr/bin/env node
require("tsx/cjs");
require("../audit/main.ts");
