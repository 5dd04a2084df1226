// Runs before every test file: install the local host's registration hook first, so app modules a
// test imports directly register into the same registry the local host reads.
import "../../src/host/registry.js";
