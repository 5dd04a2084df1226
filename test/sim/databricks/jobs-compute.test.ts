import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startPlatformSimulator, type PlatformSimulator } from "../../../sim/index.js";
import { CANARY_SECRET } from "../../../sim/databricks/index.js";
import { b64, client, collect, raw } from "./support.js";

let sim: PlatformSimulator;
beforeAll(async () => {
  sim = await startPlatformSimulator({
    workspaces: [
      { name: "primary", metastore: "uc-westeurope", seed: { jobs: 45, bigJob: true, notebooks: 20 } },
      { name: "dr", metastore: "uc-northeurope" },
    ],
  });
});
afterAll(async () => sim?.close());

describe("Jobs 2.1 / 2.2", () => {
  test("list pages with page_token and has_more; the SDK iterator walks every page", async () => {
    const w = client(sim);
    const jobs = await collect(w.jobs.list({ limit: 10 }));
    expect(jobs).toHaveLength(46);
    expect(jobs[0]!.settings?.tasks).toBeUndefined();
    expect(sim.log.count("GET /api/2.2/jobs/list")).toBe(5);
    const first = await raw(sim, "GET", "/api/2.2/jobs/list?limit=20");
    expect(first.body.has_more).toBe(true);
    const second = await raw(
      sim,
      "GET",
      `/api/2.2/jobs/list?limit=20&page_token=${String(first.body.next_page_token)}`,
    );
    expect((second.body.jobs as unknown[]).length).toBe(20);
    expect(second.body.prev_page_token).toBeTypeOf("string");
    const byOffset = await raw(sim, "GET", "/api/2.1/jobs/list?limit=20&offset=40");
    expect(byOffset.body).toMatchObject({ has_more: false });
    expect((byOffset.body.jobs as unknown[]).length).toBe(6);
    expect((await raw(sim, "GET", "/api/2.2/jobs/list?limit=101")).body.error_code).toBe(
      "INVALID_PARAMETER_VALUE",
    );
  });

  test("expand_tasks: 2.2 lists at most 100 tasks per job and flags has_more", async () => {
    const bigId = sim.seeds.workspaces.primary!.bigJobId!;
    const jobs = await collect(client(sim).jobs.list({ expand_tasks: true, limit: 100 }));
    const big = jobs.find((j) => j.job_id === bigId)!;
    expect(big.settings!.tasks).toHaveLength(100);
    expect(big.has_more).toBe(true);
    const v21 = await raw(sim, "GET", "/api/2.1/jobs/list?expand_tasks=true&limit=1");
    const latest = (v21.body.jobs as { settings: { tasks: unknown[] } }[])[0]!;
    expect(latest.settings.tasks).toHaveLength(130);
  });

  test("get 2.2 pages 130 tasks via next_page_token; 2.1 returns them all", async () => {
    const w = client(sim);
    const bigId = sim.seeds.workspaces.primary!.bigJobId!;
    const first = await w.jobs.get({ job_id: bigId });
    expect(first.settings!.tasks).toHaveLength(100);
    expect(first.next_page_token).toBeTypeOf("string");
    const second = await w.jobs.get({ job_id: bigId, page_token: first.next_page_token! });
    expect(second.settings!.tasks).toHaveLength(30);
    expect(second.next_page_token).toBeUndefined();
    const keys = [...first.settings!.tasks!, ...second.settings!.tasks!].map((t) => t.task_key);
    expect(new Set(keys).size).toBe(130);
    const v21 = await raw(sim, "GET", `/api/2.1/jobs/get?job_id=${bigId}`);
    expect((v21.body.settings as { tasks: unknown[] }).tasks).toHaveLength(130);
    await expect(w.jobs.get({ job_id: 999999 })).rejects.toMatchObject({
      errorCode: "INVALID_PARAMETER_VALUE",
      message: "Job 999999 does not exist.",
    });
  });

  test("create / reset / update / delete with references checked", async () => {
    const w = client(sim);
    const seed = sim.seeds.workspaces.primary!;
    const created = await w.jobs.create({
      name: "restored job",
      tags: { env: "dr" },
      tasks: [
        {
          task_key: "a",
          notebook_task: { notebook_path: seed.notebookPaths[0]! },
          existing_cluster_id: seed.clusterIds[0]!,
        },
        { task_key: "b", depends_on: [{ task_key: "a" }], run_job_task: { job_id: seed.jobIds[0]! } },
      ],
      schedule: { quartz_cron_expression: "0 0 * * * ?", timezone_id: "UTC", pause_status: "PAUSED" },
    });
    expect(created.job_id).toBeTypeOf("number");
    const got = await w.jobs.get({ job_id: created.job_id! });
    expect(got.settings).toMatchObject({
      name: "restored job",
      tags: { env: "dr" },
      format: "MULTI_TASK",
      schedule: { pause_status: "PAUSED" },
    });

    await expect(
      w.jobs.create({ name: "bad", tasks: [{ task_key: "a", existing_cluster_id: "0000-000000-missing" }] }),
    ).rejects.toMatchObject({ errorCode: "INVALID_PARAMETER_VALUE" });
    await expect(
      w.jobs.create({ name: "bad", tasks: [{ task_key: "a", depends_on: [{ task_key: "zz" }] }] }),
    ).rejects.toMatchObject({
      statusCode: 400,
    });

    await w.jobs.update({
      job_id: created.job_id!,
      new_settings: {
        tasks: [{ task_key: "c", notebook_task: { notebook_path: "/x" }, depends_on: [{ task_key: "a" }] }],
      },
      fields_to_remove: ["tags"],
    });
    const updated = await w.jobs.get({ job_id: created.job_id! });
    expect(updated.settings!.tasks!.map((t) => t.task_key)).toEqual(["a", "b", "c"]);
    expect(updated.settings!.tags).toBeUndefined();

    await w.jobs.reset({
      job_id: created.job_id!,
      new_settings: {
        name: "reset job",
        tasks: [{ task_key: "only", notebook_task: { notebook_path: "/y" } }],
      },
    });
    expect((await w.jobs.get({ job_id: created.job_id! })).settings).toMatchObject({
      name: "reset job",
      tasks: [{ task_key: "only" }],
    });
    await w.jobs.delete({ job_id: created.job_id! });
    await expect(w.jobs.get({ job_id: created.job_id! })).rejects.toMatchObject({ statusCode: 400 });
  });
});

describe("Compute", () => {
  test("cluster policies: list / get / create / edit / delete", async () => {
    const w = client(sim);
    const policies = await collect(w.clusterPolicies.list({}));
    expect(policies.length).toBe(3);
    const { policy_id } = await w.clusterPolicies.create({
      name: "dr policy",
      definition: JSON.stringify({ num_workers: { type: "fixed", value: 1 } }),
    });
    expect(policy_id).toMatch(/^[0-9A-F]{16}$/);
    await expect(w.clusterPolicies.create({ name: "dr policy", definition: "{}" })).rejects.toMatchObject({
      statusCode: 400,
    });
    await w.clusterPolicies.edit({ policy_id: policy_id!, name: "dr policy 2", definition: "{}" });
    expect((await w.clusterPolicies.get({ policy_id: policy_id! })).name).toBe("dr policy 2");
    await w.clusterPolicies.delete({ policy_id: policy_id! });
    await expect(w.clusterPolicies.get({ policy_id: policy_id! })).rejects.toMatchObject({
      errorCode: "RESOURCE_DOES_NOT_EXIST",
    });
  });

  test("clusters: list (RUNNING and TERMINATED), create returns cluster_id, edit, permanent delete", async () => {
    const w = client(sim);
    const clusters = await collect(w.clusters.list({}));
    expect(clusters).toHaveLength(5);
    expect(new Set(clusters.map((c) => c.state))).toEqual(new Set(["RUNNING", "TERMINATED"]));
    const waiter = await w.clusters.create({
      cluster_name: "dr cluster",
      spark_version: "15.4.x-scala2.12",
      node_type_id: "Standard_DS3_v2",
      num_workers: 1,
    });
    expect(waiter.cluster_id).toMatch(/^\d{4}-\d{6}-[0-9a-f]{8}$/);
    const running = await waiter.wait();
    expect(running.state).toBe("RUNNING");
    await w.clusters.edit({
      cluster_id: waiter.cluster_id!,
      spark_version: "15.4.x-scala2.12",
      cluster_name: "renamed",
      num_workers: 3,
    });
    expect(await w.clusters.get({ cluster_id: waiter.cluster_id! })).toMatchObject({
      cluster_name: "renamed",
      num_workers: 3,
    });
    const paged = await raw(sim, "GET", "/api/2.1/clusters/list?page_size=2");
    expect((paged.body.clusters as unknown[]).length).toBe(2);
    expect(paged.body.next_page_token).toBeTypeOf("string");
    await w.clusters.permanentDelete({ cluster_id: waiter.cluster_id! });
    await expect(w.clusters.get({ cluster_id: waiter.cluster_id! })).rejects.toMatchObject({
      errorCode: "INVALID_PARAMETER_VALUE",
    });
  });

  test("instance pools: list / get / create / edit / delete", async () => {
    const w = client(sim);
    expect(await collect(w.instancePools.list())).toHaveLength(2);
    const { instance_pool_id } = await w.instancePools.create({
      instance_pool_name: "dr pool",
      node_type_id: "Standard_DS3_v2",
    });
    await w.instancePools.edit({
      instance_pool_id: instance_pool_id!,
      instance_pool_name: "dr pool 2",
      node_type_id: "Standard_DS3_v2",
      max_capacity: 4,
    });
    expect(await w.instancePools.get({ instance_pool_id: instance_pool_id! })).toMatchObject({
      instance_pool_name: "dr pool 2",
      state: "ACTIVE",
    });
    await w.instancePools.delete({ instance_pool_id: instance_pool_id! });
    await expect(w.instancePools.get({ instance_pool_id: instance_pool_id! })).rejects.toMatchObject({
      statusCode: 404,
    });
  });

  test("global init scripts: list without content, get with it", async () => {
    const w = client(sim);
    const { script_id } = await w.globalInitScripts.create({
      name: "dr init",
      script: b64("#!/bin/bash\n"),
      enabled: true,
    });
    const scripts = await collect(w.globalInitScripts.list());
    expect(scripts.map((s) => s.name)).toContain("dr init");
    expect(scripts.every((s) => !("script" in s))).toBe(true);
    expect((await w.globalInitScripts.get({ script_id: script_id! })).script).toBe(b64("#!/bin/bash\n"));
  });
});

describe("Secrets, ACLs, repos, permissions", () => {
  test("scopes and secret listings never expose values; the value route is logged", async () => {
    const w = client(sim);
    const scopes = await collect(w.secrets.listScopes());
    expect(scopes.map((s) => s.name)).toEqual(["scope-0", "scope-1", "akv-scope"]);
    expect(scopes.find((s) => s.name === "akv-scope")).toMatchObject({
      backend_type: "AZURE_KEYVAULT",
      keyvault_metadata: { dns_name: "https://kv-primary.vault.azure.net/" },
    });
    const secrets = await collect(w.secrets.listSecrets({ scope: "scope-0" }));
    expect(secrets[0]).toEqual({ key: "key-0", last_updated_timestamp: expect.any(Number) as number });
    expect(JSON.stringify(secrets)).not.toContain(CANARY_SECRET);
    expect(sim.secretValueReads()).toHaveLength(0);

    const value = await w.secrets.getSecret({ scope: "scope-0", key: "key-1" });
    expect(Buffer.from(value.value!, "base64").toString()).toBe(`${CANARY_SECRET}-0-1`);
    expect(sim.secretValueReads()).toEqual([
      expect.objectContaining({ workspace: "primary", scope: "scope-0", key: "key-1" }),
    ]);
    sim.workspace("primary").state.secretValueReads.length = 0;
  });

  test("create scopes (Databricks and Key Vault backed), put, delete, errors", async () => {
    const w = client(sim, "dr");
    await w.secrets.createScope({ scope: "restored" });
    await w.secrets.createScope({
      scope: "kv",
      scope_backend_type: "AZURE_KEYVAULT",
      backend_azure_keyvault: {
        resource_id: "/subscriptions/x/resourceGroups/y/providers/Microsoft.KeyVault/vaults/kv-dr",
        dns_name: "https://kv-dr.vault.azure.net/",
      },
    });
    await expect(w.secrets.createScope({ scope: "restored" })).rejects.toMatchObject({
      errorCode: "RESOURCE_ALREADY_EXISTS",
    });
    await w.secrets.putSecret({ scope: "restored", key: "k", string_value: "v" });
    await expect(w.secrets.putSecret({ scope: "kv", key: "k", string_value: "v" })).rejects.toMatchObject({
      statusCode: 400,
    });
    expect(await collect(w.secrets.listSecrets({ scope: "restored" }))).toHaveLength(1);
    await w.secrets.deleteSecret({ scope: "restored", key: "k" });
    await w.secrets.deleteScope({ scope: "kv" });
    await expect(collect(w.secrets.listSecrets({ scope: "kv" }))).rejects.toMatchObject({
      errorCode: "RESOURCE_DOES_NOT_EXIST",
    });
  });

  test("secret ACLs: list / get / put / delete", async () => {
    const w = client(sim);
    const acls = await collect(w.secrets.listAcls({ scope: "scope-0" }));
    expect(acls).toEqual(expect.arrayContaining([{ principal: "users", permission: "MANAGE" }]));
    await w.secrets.putAcl({ scope: "scope-0", principal: "data-engineers", permission: "WRITE" });
    expect(await w.secrets.getAcl({ scope: "scope-0", principal: "data-engineers" })).toEqual({
      principal: "data-engineers",
      permission: "WRITE",
    });
    await w.secrets.deleteAcl({ scope: "scope-0", principal: "data-engineers" });
    await expect(w.secrets.getAcl({ scope: "scope-0", principal: "data-engineers" })).rejects.toMatchObject({
      statusCode: 404,
    });
  });

  test("repos: list / get / create / update / delete (a REPO object in the tree)", async () => {
    const w = client(sim);
    expect(await collect(w.repos.list({}))).toHaveLength(2);
    const repo = await w.repos.create({
      url: "https://github.com/example/dr.git",
      provider: "gitHub",
      path: "/Repos/ops/dr",
    });
    expect(repo).toMatchObject({ path: "/Repos/ops/dr", branch: "main", provider: "gitHub" });
    expect(await w.workspace.getStatus({ path: "/Repos/ops/dr" })).toMatchObject({ object_type: "REPO" });
    // The SDK sends PATCH without a body (see unity-catalog tests): update through raw HTTP.
    expect((await raw(sim, "PATCH", `/api/2.0/repos/${repo.id}`, { branch: "release" })).status).toBe(200);
    expect((await w.repos.get({ repo_id: repo.id! })).branch).toBe("release");
    await w.repos.delete({ repo_id: repo.id! });
    await expect(w.repos.get({ repo_id: repo.id! })).rejects.toMatchObject({ statusCode: 404 });
  });

  test("permissions GET / PUT on jobs, clusters, policies, pools, notebooks, directories", async () => {
    const w = client(sim);
    const seed = sim.seeds.workspaces.primary!;
    const job = await w.jobs.getPermissions({ job_id: String(seed.jobIds[0]) });
    expect(job.object_id).toBe(`/jobs/${seed.jobIds[0]}`);
    expect(job.access_control_list).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          group_name: "data-engineers",
          all_permissions: [{ permission_level: "CAN_MANAGE_RUN", inherited: false }],
        }),
        expect.objectContaining({
          group_name: "admins",
          all_permissions: [expect.objectContaining({ inherited: true })],
        }),
      ]),
    );
    await w.jobs.setPermissions({
      job_id: String(seed.jobIds[0]),
      access_control_list: [{ user_name: "dr-operator@example.com", permission_level: "CAN_MANAGE" }],
    });
    const after = await w.jobs.getPermissions({ job_id: String(seed.jobIds[0]) });
    expect(after.access_control_list!.filter((e) => !e.all_permissions![0]!.inherited)).toHaveLength(1);

    expect((await w.clusters.getPermissions({ cluster_id: seed.clusterIds[0]! })).object_type).toBe(
      "cluster",
    );
    expect(
      (await w.clusterPolicies.getPermissions({ cluster_policy_id: seed.policyIds[0]! })).object_type,
    ).toBe("cluster-policy");
    expect((await w.instancePools.getPermissions({ instance_pool_id: seed.poolIds[0]! })).object_type).toBe(
      "instance-pool",
    );
    const nb = await w.workspace.getStatus({ path: seed.notebookPaths[0]! });
    const nbPerms = await w.workspace.getPermissions({
      workspace_object_type: "notebooks",
      workspace_object_id: String(nb.object_id),
    });
    expect(nbPerms.access_control_list![0]).toMatchObject({ user_name: "alice@example.com" });
    const dir = await w.workspace.getStatus({ path: seed.directoryPaths[0]! });
    expect(
      (
        await w.workspace.getPermissions({
          workspace_object_type: "directories",
          workspace_object_id: String(dir.object_id),
        })
      ).object_type,
    ).toBe("directory");
    await expect(w.jobs.getPermissions({ job_id: "424242" })).rejects.toMatchObject({ statusCode: 404 });
    const patched = await raw(sim, "PATCH", `/api/2.0/permissions/jobs/${seed.jobIds[0]}`, {
      access_control_list: [{ group_name: "ops", permission_level: "CAN_VIEW" }],
    });
    expect((patched.body.access_control_list as unknown[]).length).toBe(3);
  });
});
