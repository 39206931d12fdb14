#!/usr/bin/env node
require("tsx/cjs");
require("../rotate/main.ts");
