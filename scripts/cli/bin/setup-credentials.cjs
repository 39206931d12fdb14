#!/usr/bin/env node
require("tsx/cjs");
require("../setup-credentials/main.ts");
