#!/usr/bin/env node
// The `azdr` executable: TypeScript sources run through tsx's loader (no build step), then the CLI.
import { register } from "tsx/esm/api";

register();
const { run } = await import("./main.ts");
await run();
