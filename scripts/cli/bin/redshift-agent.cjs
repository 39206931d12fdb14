#!/usr/bin/env node
require("tsx/cjs"); require("../redshift-agent/main.ts");
