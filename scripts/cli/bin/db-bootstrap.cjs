#!/usr/bin/env node
require("tsx/cjs");
require("../db-bootstrap/main.ts");
