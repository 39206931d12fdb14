#!/usr/bin/env node
require("tsx/cjs");
require("../rollback/main.ts");
