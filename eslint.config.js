// ESLint flat config: type-checked rules over every TypeScript file in the project.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** What only src/lib/clients may spell: a Databricks REST path, or the transport's error type. */
const DATABRICKS_BOUNDARY = [
  {
    selector: "Literal[value=/^\\/api\\/2\\./]",
    message:
      "Databricks REST paths live in src/lib/clients/databricks/: call a typed client (databricksApis).",
  },
  {
    selector: "TemplateElement[value.raw=/^\\/api\\/2\\./]",
    message:
      "Databricks REST paths live in src/lib/clients/databricks/: call a typed client (databricksApis).",
  },
  {
    selector: "Identifier[name='DatabricksError']",
    message:
      "DatabricksError stays in src/lib/clients: branch on AzdrError codes (isAzdrError(error, 'NOT_FOUND')).",
  },
];

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/", ".azdr/", "bench-results.json"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/require-await": "off",
      "@typescript-eslint/only-throw-error": "error",
    },
  },
  {
    files: ["src/lib/**/*.ts"],
    rules: {
      // lib is framework-free: the Functions runtime stays in functions/ orchestrators/ host/.
      "no-restricted-imports": [
        "error",
        { patterns: ["@azure/functions", "durable-functions", "durable-functions/*"] },
      ],
    },
  },
  {
    // Databricks REST paths and the transport's error type stay at the edge: callers use the typed
    // clients in src/lib/clients/databricks/ (issue 15). sim/ and test/ may use paths freely.
    files: ["src/**/*.ts"],
    ignores: ["src/lib/clients/**"],
    rules: {
      "no-restricted-syntax": ["error", ...DATABRICKS_BOUNDARY],
    },
  },
  { files: ["**/*.js"], ...tseslint.configs.disableTypeChecked },
);
