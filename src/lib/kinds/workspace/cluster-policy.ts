// Cluster policies: backed up as listed; restored by name. A custom policy is created or edited
// with its definition; a policy made from a family ("Personal Compute"…, which every new workspace
// already has) is restored through its overrides only: the API refuses `definition` together with
// `policy_family_id`, and the definition it lists is the family's with the overrides applied.
// Validated by definition (custom) or family and overrides (family policies).
import type { ClusterPolicySpec } from "../../clients/databricks/index.js";
import { collect } from "../../concurrency.js";
import type { PlanItem } from "../../restore/engine/plan.js";
import type { ItemsStep } from "../../restore/engine/steps.js";
import { canonical, checkSet, sameJson, text } from "../compare.js";
import { permissionsWork } from "./permissions-work.js";
import {
  bodyOf,
  CONFIG,
  existingAction,
  itemBase,
  jsonEntryId,
  jsonEntryPath,
  pick,
  type WorkspaceKind,
  type WorkspaceRestore,
  learnByName,
} from "./context.js";

type Json = Record<string, unknown>;

const STEP: ItemsStep = {
  kind: "items",
  ordering: "parallel",
  name: "cluster-policies",
  title: "Cluster policies",
  why: "Pools, clusters and jobs refer to policies.",
};

/** A custom policy's create body (never the family fields: they go through FAMILY_POLICY_SPEC). */
const POLICY_SPEC = ["name", "definition", "description", "max_clusters_per_user", "libraries"];
const FAMILY_POLICY_SPEC = [
  "name",
  "description",
  "max_clusters_per_user",
  "libraries",
  "policy_family_id",
  "policy_family_definition_overrides",
];

/** A policy definition (JSON text) as a value, for comparing; unparsable text compares as text. */
function definitionValue(value: unknown): unknown {
  if (typeof value !== "string" || value === "") return {};
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

export function isFamilyPolicy(body: Json): boolean {
  return typeof body["policy_family_id"] === "string" && body["policy_family_id"] !== "";
}

/** The target's policies by name, as listed (definition, family, overrides). */
function targetPolicies(r: WorkspaceRestore): Promise<Map<string, Json>> {
  return r.memo("cluster-policies", async () => {
    const byName = new Map<string, Json>();
    for await (const policy of r.api.policies.list()) byName.set(policy.name, policy);
    return byName;
  });
}

function familyPolicyItem(
  body: Json,
  existing: Json | undefined,
  r: WorkspaceRestore,
  base: Omit<PlanItem, "action" | "reason">,
): { item: PlanItem; destructive?: string } {
  const family = String(body["policy_family_id"]);
  const name = String(body["name"]);
  const wanted = definitionValue(body["policy_family_definition_overrides"]);
  if (!existing)
    return {
      item: {
        ...base,
        action: "create",
        reason: `not in the target (family ${family}, with the backup's overrides)`,
      },
    };
  if (existing["policy_family_id"] !== family)
    return {
      item: {
        ...base,
        action: "conflict",
        reason: `the target's policy "${name}" is ${existing["policy_family_id"] ? `of family ${text(existing["policy_family_id"])}` : "not a family policy"}, the backup's of family ${family}: rename one of them`,
      },
    };
  const current = definitionValue(existing["policy_family_definition_overrides"]);
  if (sameJson(current, wanted))
    return {
      item: { ...base, action: "skip", reason: `family policy; its overrides already equal the backup's` },
    };
  const pristine = sameJson(current, {});
  const change = `overrides ${canonical(current)} → ${canonical(wanted)}`;
  if (r.request.existing !== "update" && !pristine)
    return {
      item: {
        ...base,
        action: "skip",
        reason: `family policy with its own overrides in the target (existing=skip): ${change} not applied`,
      },
    };
  return {
    item: {
      ...base,
      action: "update",
      reason: pristine
        ? `family policy as the workspace created it: only policy_family_definition_overrides is edited (${change})`
        : `only policy_family_definition_overrides is edited (${change}; existing=update)`,
    },
    ...(pristine ? {} : { destructive: `Cluster policy "${name}": its ${change} replaced.` }),
  };
}

export const clusterPolicy: WorkspaceKind = {
  kind: "cluster-policy",
  label: "Cluster policy",
  domain: "workspace",
  component: CONFIG,
  step: STEP,
  coverage: {
    backup: true,
    restore: true,
    validated: true,
    note: "definition; family policies (Personal Compute…) by family and overrides only",
  },
  entryPath: (id) => jsonEntryPath("cluster-policies", id),
  idOf: jsonEntryId,

  backup: {
    async list(b) {
      const entries = [];
      const work = [];
      const policies = await collect(b.api.policies.list());
      for (const policy of policies) {
        const id = policy.policy_id;
        entries.push(
          await b.ctx.store.putJson(clusterPolicy.entryPath(id), clusterPolicy.kind, policy, {
            name: policy.name,
          }),
        );
        work.push(permissionsWork("cluster-policies", id, `cluster policy ${policy.name}`));
      }
      return { entries, work, summary: { policies: policies.length } };
    },
  },

  async learn(r, entries) {
    learnByName(r, "policies", clusterPolicy, entries, await targetPolicies(r), (p) =>
      String(p["policy_id"]),
    );
  },

  async plan(r, entries) {
    const policies = await targetPolicies(r);
    const items: PlanItem[] = [];
    const destructive: string[] = [];
    for (const entry of entries) {
      const body = await bodyOf(r, entry);
      const name = String(body["name"]);
      const existing = policies.get(name);
      const base = itemBase(clusterPolicy, entry, name, String(body["policy_id"]));
      if (isFamilyPolicy(body)) {
        const out = familyPolicyItem(body, existing, r, base);
        items.push(out.item);
        if (out.destructive) destructive.push(out.destructive);
      } else if (existing?.["policy_family_id"]) {
        items.push({
          ...base,
          action: "conflict",
          reason: `the target's policy "${name}" is of family ${text(existing["policy_family_id"])}, the backup's is a custom policy: rename one of them`,
        });
      } else
        items.push({ ...base, ...existingAction(existing !== undefined, r.request, `policy "${name}"`) });
    }
    return { items, destructive };
  },

  async apply(r, item) {
    const body = await bodyOf(r, item);
    const existing = (await targetPolicies(r)).get(item.target!);
    const family = isFamilyPolicy(body);
    if (existing) {
      const policyId = String(existing["policy_id"]);
      if (item.action === "update") {
        // A family policy: only its overrides change; the rest stays as the target has it.
        const edit = family
          ? {
              ...pick(existing, ["name", "description", "max_clusters_per_user", "libraries"]),
              policy_family_id: body["policy_family_id"],
              policy_family_definition_overrides: body["policy_family_definition_overrides"] ?? "{}",
            }
          : pick(body, POLICY_SPEC);
        await r.api.policies.edit(policyId, edit as ClusterPolicySpec);
      }
      r.learn("policies", item.sourceId!, policyId);
      return { status: item.action === "update" ? "updated" : "skipped" };
    }
    const created = await r.api.policies.create(
      pick(body, family ? FAMILY_POLICY_SPEC : POLICY_SPEC) as ClusterPolicySpec,
    );
    r.learn("policies", item.sourceId!, created.policy_id);
    return { status: "created" };
  },

  async validate(r, planned) {
    const policies = await targetPolicies(r);
    return [
      await checkSet("cluster policies restored (definition or family overrides)", planned, async (item) => {
        const want = await bodyOf(r, item);
        const have = policies.get(item.target!);
        if (!have) return "missing";
        if (isFamilyPolicy(want)) {
          if (have["policy_family_id"] !== want["policy_family_id"])
            return `family ${text(have["policy_family_id"])}, expected ${text(want["policy_family_id"])}`;
          return sameJson(
            definitionValue(have["policy_family_definition_overrides"]),
            definitionValue(want["policy_family_definition_overrides"]),
          )
            ? undefined
            : "policy_family_definition_overrides differ";
        }
        if (!sameJson(definitionValue(have["definition"]), definitionValue(want["definition"])))
          return "definition differs";
        const fields = ["description", "max_clusters_per_user"].filter(
          (f) => want[f] !== undefined && !sameJson(want[f], have[f]),
        );
        return fields.length ? `differs in ${fields.join(", ")}` : undefined;
      }),
    ];
  },
};
