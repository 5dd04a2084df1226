// Offline Bicep tooling for tests: a syntax parse with tree-sitter-bicep (its WASM grammar run by
// web-tree-sitter: no native build, nothing downloaded beyond npm) and a small evaluator over the
// parse tree (literals, params with their default/allowed values, vars, union(), member access,
// interpolation), enough for policy checks to ask "what is this property set to?" without regexes
// over raw text. It is no Bicep compiler: anything it cannot evaluate comes back as Opaque.
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { Language, Parser, Query, type Node, type Tree } from "web-tree-sitter";

const require = createRequire(import.meta.url);

let parserPromise: Promise<{ parser: Parser; language: Language }> | undefined;

async function loadParser(): Promise<{ parser: Parser; language: Language }> {
  await Parser.init();
  const language = await Language.load(require.resolve("tree-sitter-bicep/tree-sitter-bicep.wasm"));
  const parser = new Parser();
  parser.setLanguage(language);
  return { parser, language };
}

export function bicepParser(): Promise<{ parser: Parser; language: Language }> {
  parserPromise ??= loadParser();
  return parserPromise;
}

export interface Declaration {
  kind: "param" | "var" | "resource" | "module" | "output" | "other";
  name: string;
  node: Node;
}

export interface BicepFile {
  /** Path as reported in messages (relative to the repo root for real files). */
  path: string;
  absPath: string;
  source: string;
  tree: Tree;
  root: Node;
  targetScope: string;
  symbols: Map<string, Declaration>;
  language: Language;
}

export interface Resource {
  file: BicepFile;
  node: Node;
  symbol: string;
  /** Full type without the API version, e.g. Microsoft.Storage/storageAccounts. */
  type: string;
  apiVersion: string;
  existing: boolean;
  /** The resource body (inside `if (...)` and `[for ...]` wrappers), or null if unparsed. */
  body: Node | null;
  /** Symbol of the parent resource (`parent: x`), if any. */
  parent?: string;
}

export const at = (file: BicepFile, node: Node): string =>
  `${file.path}:${node.startPosition.row + 1}:${node.startPosition.column + 1}`;

const named = (node: Node): Node[] =>
  node.namedChildren.filter(
    (n): n is Node => n !== null && n.type !== "comment" && n.type !== "diagnostic_comment",
  );

export async function parseBicep(source: string, filePath: string, absPath = filePath): Promise<BicepFile> {
  const { parser, language } = await bicepParser();
  const tree = parser.parse(source);
  if (!tree) throw new Error(`tree-sitter returned no tree for ${filePath}`);
  const root = tree.rootNode;
  const symbols = new Map<string, Declaration>();
  let targetScope = "resourceGroup";
  for (const statement of named(root)) {
    const kind = (
      {
        parameter_declaration: "param",
        variable_declaration: "var",
        resource_declaration: "resource",
        module_declaration: "module",
        output_declaration: "output",
      } as const
    )[statement.type];
    if (statement.type === "target_scope_assignment") {
      const value = named(statement)[0];
      if (value) targetScope = stringLiteral(value) ?? targetScope;
    }
    const id = named(statement).find((n) => n.type === "identifier");
    if (kind && id)
      symbols.set(`${kind === "output" ? "output:" : ""}${id.text}`, {
        kind,
        name: id.text,
        node: statement,
      });
  }
  return { path: filePath, absPath, source, tree, root, targetScope, symbols, language };
}

/** Every .bicep file under a directory, parsed; paths in messages are relative to `base`. */
export async function loadBicepTree(dir: string, base: string): Promise<BicepFile[]> {
  const out: BicepFile[] = [];
  const walk = (d: string): string[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(path.join(d, e.name)) : e.name.endsWith(".bicep") ? [path.join(d, e.name)] : [],
    );
  for (const abs of walk(dir).sort()) {
    out.push(await parseBicep(readFileSync(abs, "utf8"), path.relative(base, abs), abs));
  }
  return out;
}

/** ERROR and MISSING nodes, as file:line:column messages. */
export function syntaxErrors(file: BicepFile): string[] {
  const errors: string[] = [];
  const visit = (node: Node) => {
    if (node.isError)
      errors.push(`${at(file, node)} syntax error near ${JSON.stringify(node.text.slice(0, 60))}`);
    else if (node.isMissing) errors.push(`${at(file, node)} missing ${node.type}`);
    else if (node.hasError) for (const child of node.children) if (child) visit(child);
  };
  visit(file.root);
  return errors;
}

/** Text of a string literal without interpolation, else undefined. */
export function stringLiteral(node: Node): string | undefined {
  if (node.type !== "string") return undefined;
  let out = "";
  for (const part of named(node)) {
    if (part.type === "string_content") out += part.text;
    else if (part.type === "escape_sequence") out += unescape(part.text);
    else return undefined;
  }
  return out;
}

function unescape(sequence: string): string {
  const map: Record<string, string> = {
    "\\n": "\n",
    "\\r": "\r",
    "\\t": "\t",
    "\\\\": "\\",
    "\\'": "'",
    "\\$": "$",
  };
  return map[sequence] ?? sequence.slice(1);
}

// --- evaluation ---------------------------------------------------------------------------------

/** A value the evaluator could not pin down; `candidates` lists what it may be, when known. */
export class Opaque {
  constructor(
    readonly node: Node,
    readonly candidates: Value[] = [],
    /** For interpolated strings: the text with unknown parts as `*`. */
    readonly template?: string,
  ) {}
}

export type Value = string | number | boolean | null | Value[] | { [key: string]: Value } | Opaque;

export const isObject = (v: Value | undefined): v is { [key: string]: Value } =>
  typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Opaque);

/** Every value `v` may take: the candidates of an Opaque (recursively), else v itself. */
export function possible(v: Value | undefined): Value[] {
  if (v === undefined) return [];
  if (v instanceof Opaque) return v.candidates.flatMap(possible);
  return [v];
}

type Env = Map<string, Value>;

export function evaluate(
  file: BicepFile,
  node: Node | null | undefined,
  env: Env = new Map(),
  depth = 0,
): Value {
  if (!node) return null;
  if (depth > 40) return new Opaque(node);
  const ev = (n: Node | null | undefined, e: Env = env) => evaluate(file, n, e, depth + 1);
  switch (node.type) {
    case "string": {
      const literal = stringLiteral(node);
      if (literal !== undefined) return literal;
      let text = "";
      let complete = true;
      for (const part of named(node)) {
        if (part.type === "string_content") text += part.text;
        else if (part.type === "escape_sequence") text += unescape(part.text);
        else {
          const values = possible(ev(named(part)[0]));
          const only = values.length === 1 ? values[0] : undefined;
          if (typeof only === "string" || typeof only === "number") text += String(only);
          else {
            text += "*";
            complete = false;
          }
        }
      }
      return complete ? text : new Opaque(node, [], text);
    }
    case "number":
      return Number(node.text);
    case "boolean":
      return node.text === "true";
    case "null":
      return null;
    case "parenthesized_expression":
      return ev(named(node)[0]);
    case "array": {
      const items = named(node).filter((n) => n.type !== "decorators");
      if (items.some((n) => n.type === "for_statement")) return new Opaque(node);
      return items.map((n) => ev(n));
    }
    case "object": {
      const out: { [key: string]: Value } = {};
      for (const property of named(node)) {
        if (property.type !== "object_property") continue;
        const parts = named(property);
        const key = parts[0];
        const value = parts[parts.length - 1];
        if (!key || !value || value === key || value.type === "resource_declaration") continue;
        const keyText = key.type === "string" ? stringLiteral(key) : key.text;
        if (keyText !== undefined) out[keyText] = ev(value);
      }
      return out;
    }
    case "identifier": {
      if (env.has(node.text)) return env.get(node.text) ?? null;
      const decl = file.symbols.get(node.text);
      if (!decl) return new Opaque(node);
      if (decl.kind === "var") return ev(named(decl.node)[1]);
      if (decl.kind === "param") return paramValue(file, decl.node, depth);
      return new Opaque(node);
    }
    case "member_expression": {
      const object = ev(node.childForFieldName("object"));
      const property = node.childForFieldName("property")?.text ?? "";
      const pick = (v: Value): Value | undefined => (isObject(v) ? v[property] : undefined);
      if (isObject(object)) return object[property] ?? new Opaque(node);
      if (object instanceof Opaque) {
        const picked = possible(object).map(pick);
        if (picked.length > 0 && picked.every((v) => v !== undefined)) return new Opaque(node, picked);
      }
      return new Opaque(node);
    }
    case "ternary_expression":
      return new Opaque(node, [
        ev(node.childForFieldName("consequence")),
        ev(node.childForFieldName("alternative")),
      ]);
    case "call_expression": {
      const fn = node.childForFieldName("function")?.text;
      const args = named(node.childForFieldName("arguments") ?? node).filter((n) => n.type !== "arguments");
      if (fn === "union") {
        const merged: { [key: string]: Value } = {};
        for (const arg of args) {
          const value = ev(arg);
          const objects = isObject(value) ? [value] : possible(value).filter(isObject);
          // A parameter object contributes its default; anything else contributes nothing known.
          for (const object of objects.slice(0, 1)) Object.assign(merged, object);
        }
        return merged;
      }
      return new Opaque(node);
    }
    default:
      return new Opaque(node);
  }
}

function paramValue(file: BicepFile, decl: Node, depth: number): Value {
  const candidates: Value[] = [];
  const decorators = decl.previousNamedSibling?.type === "decorators" ? decl.previousNamedSibling : null;
  for (const decorator of decorators ? named(decorators) : []) {
    const call = named(decorator)[0];
    if (call?.childForFieldName("function")?.text !== "allowed") continue;
    const list = named(call.childForFieldName("arguments") ?? call)[0];
    const allowed = evaluate(file, list, new Map(), depth + 1);
    if (Array.isArray(allowed)) return new Opaque(decl, allowed);
  }
  const parts = named(decl);
  const defaultValue = parts.length >= 3 ? parts[parts.length - 1] : undefined;
  if (defaultValue) candidates.push(evaluate(file, defaultValue, new Map(), depth + 1));
  return new Opaque(decl, candidates);
}

/** Follow a path of object keys through an evaluated value. */
export function get(value: Value | undefined, ...keys: string[]): Value | undefined {
  let current = value;
  for (const key of keys) {
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

// --- resources ----------------------------------------------------------------------------------

/** The resource and module body object, looking through `if (...)` and `[for ...: ...]`. */
function bodyOf(node: Node): Node | null {
  for (const child of named(node)) {
    if (child.type === "object") return child;
    if (child.type === "if_statement") return bodyOf(child);
    if (child.type === "for_statement") {
      const body = child.childForFieldName("body");
      if (body?.type === "object") return body;
      if (body) return bodyOf(body);
    }
  }
  return null;
}

export function resources(file: BicepFile): Resource[] {
  const query = new Query(
    file.language,
    "(resource_declaration (identifier) @symbol . (string) @type) @resource",
  );
  const out: Resource[] = [];
  for (const match of query.matches(file.root)) {
    const node = match.captures.find((c) => c.name === "resource")?.node;
    const symbol = match.captures.find((c) => c.name === "symbol")?.node.text;
    const typeNode = match.captures.find((c) => c.name === "type")?.node;
    if (!node || !symbol || !typeNode) continue;
    const [rawType = "", apiVersion = ""] = (stringLiteral(typeNode) ?? "").split("@");
    let type = rawType;
    // A nested child resource names its type relative to the enclosing resource.
    const enclosing = node.parent?.type === "object_property" ? node.parent.parent?.parent : null;
    if (enclosing?.type === "resource_declaration" && !rawType.includes("/")) {
      const parentType = stringLiteral(named(enclosing)[1] ?? enclosing)?.split("@")[0] ?? "";
      type = `${parentType}/${rawType}`;
    }
    const body = bodyOf(node);
    const parentProp = body ? propertyNode(body, "parent") : null;
    out.push({
      file,
      node,
      symbol,
      type,
      apiVersion,
      existing: node.children.some((c) => c?.type === "existing"),
      body,
      ...(parentProp ? { parent: parentProp.text } : {}),
    });
  }
  query.delete();
  return out;
}

/** The value node of `key:` directly in an object node. */
export function propertyNode(object: Node, key: string): Node | null {
  for (const property of named(object)) {
    if (property.type !== "object_property") continue;
    const parts = named(property);
    const keyNode = parts[0];
    const keyText = keyNode?.type === "string" ? stringLiteral(keyNode) : keyNode?.text;
    if (keyText === key) return parts[parts.length - 1] ?? null;
  }
  return null;
}

/** A resource body evaluated; loop variables evaluate to Opaque. */
export function bodyValue(resource: Resource): { [key: string]: Value } {
  const value = resource.body ? evaluate(resource.file, resource.body) : {};
  return isObject(value) ? value : {};
}

/** Module declarations: symbol, target file path (resolved), body. */
export function modules(
  file: BicepFile,
): { symbol: string; node: Node; target: string; body: Node | null }[] {
  return named(file.root)
    .filter((n) => n.type === "module_declaration")
    .map((node) => {
      const parts = named(node);
      return {
        symbol: parts[0]?.text ?? "",
        node,
        target: path.resolve(path.dirname(file.absPath), stringLiteral(parts[1] ?? node) ?? ""),
        body: bodyOf(node),
      };
    });
}

/** Descendants of a type (depth-first, source order). */
export function descendants(node: Node, type: string): Node[] {
  return node.descendantsOfType(type).filter((n): n is Node => n !== null);
}

export { named };
