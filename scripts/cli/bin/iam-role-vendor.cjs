#!/usr/bin/env node
require("tsx/cjs");
require("../iam-role-vendor/main.ts");
