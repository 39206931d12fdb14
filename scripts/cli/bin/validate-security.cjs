#!/usr/bin/env node
require("tsx/cjs");
require("../validate-security/main.ts");
