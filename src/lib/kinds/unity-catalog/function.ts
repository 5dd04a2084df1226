// SQL and Python functions: re-created from their definition (the create call takes it wrapped in
// function_info); a function whose body or signature differs is dropped and re-created.
import { pick, type Json } from "./model.js";
import { securableKind } from "./securable.js";
import { collect } from "../../concurrency.js";
import { schemaScope } from "./backup.js";

const FUNCTION_FIELDS = [
  "name",
  "catalog_name",
  "schema_name",
  "input_params",
  "data_type",
  "full_data_type",
  "return_params",
  "routine_body",
  "routine_definition",
  "routine_dependencies",
  "parameter_style",
  "is_deterministic",
  "sql_data_access",
  "is_null_call",
  "security_type",
  "specific_name",
  "external_name",
  "external_language",
  "sql_path",
  "comment",
  "properties",
];

export const fn = securableKind({
  kind: "function",
  type: "function",
  label: "Function",
  plural: "functions",
  step: {
    kind: "items",
    ordering: "parallel",
    name: "functions",
    title: "Functions",
    why: "Leaf securables in schemas; no dependants.",
  },
  coverage: { backup: true, restore: true, validated: true, note: "definition, signature, comment" },
  backup: {
    parent: "schema",
    async list(b, schema) {
      const functions = await collect(b.uc.listFunctions(schemaScope(schema!)));
      return { found: functions.map((f) => ({ fullName: String(f["full_name"]), definition: f })) };
    },
  },
  compared: {
    mutable: [],
    replace: ["routine_definition", "data_type", "full_data_type", "input_params", "routine_body", "comment"],
    fixed: [],
  },
  desired: (def) => ({ function_info: pick(def, FUNCTION_FIELDS) }),
  comparable: (desired) => (desired["function_info"] ?? {}) as Json,
  async create(r, _fullName, desired) {
    await r.target.apis.unityCatalog.createFunction((desired["function_info"] ?? {}) as Json);
  },
});
