import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ApiError } from "@databricks/sdk-experimental";
import { startPlatformSimulator, type PlatformSimulator } from "../../../sim/index.js";
import { b64, client, collect, raw, unb64 } from "./support.js";

let sim: PlatformSimulator;
beforeAll(async () => {
  sim = await startPlatformSimulator({
    workspaces: [
      {
        name: "primary",
        metastore: "uc-westeurope",
        seed: { notebooks: 40, directories: 6, oversizedNotebooks: 1 },
      },
      { name: "dr", metastore: "uc-northeurope" },
    ],
  });
});
afterAll(async () => sim?.close());

describe("Workspace API through the real SDK", () => {
  test("list is one directory, non-recursive, with the real ObjectInfo fields", async () => {
    const w = client(sim);
    const dir = sim.seeds.workspaces.primary!.directoryPaths[0]!;
    const objects = await collect(w.workspace.list({ path: dir }));
    expect(objects.length).toBeGreaterThan(0);
    for (const o of objects) {
      expect(o.path!.startsWith(`${dir}/`)).toBe(true);
      expect(o.path!.slice(dir.length + 1)).not.toContain("/");
      expect(o.object_id).toBeTypeOf("number");
      expect(["NOTEBOOK", "DIRECTORY", "FILE", "REPO", "LIBRARY", "DASHBOARD"]).toContain(o.object_type);
    }
    const nb = objects.find((o) => o.object_type === "NOTEBOOK")!;
    expect(nb.language).toMatch(/PYTHON|SQL|SCALA|R/);
    expect(nb.modified_at).toBeTypeOf("number");
    expect(nb.created_at).toBeTypeOf("number");
    expect(nb.size).toBeUndefined(); // "only applicable to files" (API reference)
    const file = objects.find((o) => o.object_type === "FILE");
    if (file) expect(file.size).toBeGreaterThan(0);
    const users = await collect(w.workspace.list({ path: "/Users" }));
    expect(users.every((o) => o.object_type === "DIRECTORY")).toBe(true);
    expect(users.some((o) => o.path!.includes("'"))).toBe(true);
  });

  test("notebooks_modified_after filters notebooks only", async () => {
    const w = client(sim);
    const dir = sim.seeds.workspaces.primary!.directoryPaths[0]!;
    const all = await collect(w.workspace.list({ path: dir }));
    const future = await collect(
      w.workspace.list({ path: dir, notebooks_modified_after: Date.now() + 86_400_000 }),
    );
    expect(future.filter((o) => o.object_type === "NOTEBOOK")).toHaveLength(0);
    expect(future.length).toBe(all.filter((o) => o.object_type !== "NOTEBOOK").length);
  });

  test("import, get-status, export in every format, overwrite and errors", async () => {
    const w = client(sim);
    const dir = "/Users/alice@example.com/Répertoire avec espaces/日本語";
    await w.workspace.mkdirs({ path: dir });
    const path = `${dir}/my notebook`;
    const source = "# Databricks notebook source\nprint('héllo')\n\n# COMMAND ----------\n\nx = 1\n";
    await w.workspace.import({ path, content: b64(source), format: "SOURCE", language: "PYTHON" });
    const status = await w.workspace.getStatus({ path });
    expect(status).toMatchObject({ object_type: "NOTEBOOK", language: "PYTHON", path });

    const exported = await w.workspace.export({ path, format: "SOURCE" });
    expect(exported.file_type).toBe("py");
    expect(unb64(exported.content)).toBe(source);
    const jupyter = await w.workspace.export({ path, format: "JUPYTER" });
    expect(jupyter.file_type).toBe("ipynb");
    expect((JSON.parse(unb64(jupyter.content)) as { cells: unknown[] }).cells).toHaveLength(2);
    const auto = await w.workspace.export({ path, format: "AUTO" });
    expect(unb64(auto.content)).toBe(source);

    const again = w.workspace.import({ path, content: b64(source), format: "SOURCE", language: "PYTHON" });
    await expect(again).rejects.toMatchObject({ errorCode: "RESOURCE_ALREADY_EXISTS", statusCode: 400 });
    await w.workspace.import({
      path,
      content: b64(source.replace("x = 1", "x = 2")),
      format: "SOURCE",
      language: "PYTHON",
      overwrite: true,
    });
    expect(unb64((await w.workspace.export({ path, format: "SOURCE" })).content)).toContain("x = 2");

    const orphan = w.workspace.import({
      path: "/nope/deeper/nb",
      content: b64(source),
      format: "SOURCE",
      language: "PYTHON",
    });
    await expect(orphan).rejects.toMatchObject({ errorCode: "RESOURCE_DOES_NOT_EXIST", statusCode: 404 });
    await expect(w.workspace.getStatus({ path: "/nope" })).rejects.toBeInstanceOf(ApiError);
    await expect(w.workspace.export({ path: "/nope", format: "SOURCE" })).rejects.toMatchObject({
      errorCode: "RESOURCE_DOES_NOT_EXIST",
    });
  });

  test("AUTO import makes notebooks from headers and files from everything else", async () => {
    const w = client(sim);
    await w.workspace.import({
      path: "/Shared/auto.sql",
      content: b64("-- Databricks notebook source\nSELECT 1\n"),
      format: "AUTO",
    });
    expect(await w.workspace.getStatus({ path: "/Shared/auto" })).toMatchObject({
      object_type: "NOTEBOOK",
      language: "SQL",
    });
    await w.workspace.import({ path: "/Shared/config.yaml", content: b64("a: 1\n"), format: "AUTO" });
    expect(await w.workspace.getStatus({ path: "/Shared/config.yaml" })).toMatchObject({
      object_type: "FILE",
    });
    expect(unb64((await w.workspace.export({ path: "/Shared/config.yaml", format: "AUTO" })).content)).toBe(
      "a: 1\n",
    );
  });

  test("a directory exports as a DBC archive that imports elsewhere", async () => {
    const w = client(sim);
    const dir = sim.seeds.workspaces.primary!.directoryPaths[1]!;
    const archive = await w.workspace.export({ path: dir, format: "DBC" });
    expect(archive.file_type).toBe("dbc");
    const doc = JSON.parse(unb64(archive.content)) as { objects: { path: string }[] };
    expect(doc.objects.length).toBeGreaterThan(0);
    const dr = client(sim, "dr");
    await dr.workspace.mkdirs({ path: "/Restored" });
    await dr.workspace.import({ path: "/Restored/copy", content: archive.content!, format: "DBC" });
    const copied = await collect(dr.workspace.list({ path: "/Restored/copy" }));
    const original = await collect(w.workspace.list({ path: dir }));
    expect(copied.map((o) => o.path!.split("/").pop()).sort()).toEqual(
      original.map((o) => o.path!.split("/").pop()).sort(),
    );
  });

  test("exports over 10 MB fail with MAX_NOTEBOOK_SIZE_EXCEEDED", async () => {
    const w = client(sim);
    const huge = sim.seeds.workspaces.primary!.oversizedPaths[0]!;
    await expect(w.workspace.export({ path: huge, format: "SOURCE" })).rejects.toMatchObject({
      errorCode: "MAX_NOTEBOOK_SIZE_EXCEEDED",
      statusCode: 400,
    });
    const tooBig = Buffer.alloc(10 * 1024 * 1024 + 1, 97).toString("base64");
    const res = await raw(sim, "POST", "/api/2.0/workspace/import", {
      path: "/Shared/big",
      content: tooBig,
      format: "SOURCE",
      language: "PYTHON",
    });
    expect(res.body.error_code).toBe("MAX_NOTEBOOK_SIZE_EXCEEDED");
  });

  test("delete: DIRECTORY_NOT_EMPTY without recursive, gone with it", async () => {
    const w = client(sim);
    await w.workspace.mkdirs({ path: "/Shared/to delete/inner" });
    await w.workspace.import({
      path: "/Shared/to delete/inner/nb",
      content: b64("x"),
      format: "SOURCE",
      language: "SCALA",
    });
    await expect(w.workspace.delete({ path: "/Shared/to delete" })).rejects.toMatchObject({
      errorCode: "DIRECTORY_NOT_EMPTY",
    });
    await w.workspace.delete({ path: "/Shared/to delete", recursive: true });
    await expect(w.workspace.getStatus({ path: "/Shared/to delete/inner/nb" })).rejects.toMatchObject({
      statusCode: 404,
    });
    await expect(w.workspace.delete({ path: "/Shared/to delete" })).rejects.toMatchObject({
      errorCode: "RESOURCE_DOES_NOT_EXIST",
    });
  });

  test("401 without a token or with the wrong one", async () => {
    expect((await raw(sim, "GET", "/api/2.0/workspace/list?path=/", undefined, { token: null })).status).toBe(
      401,
    );
    const wrong = client(sim, "primary", { token: "dapi-wrong" });
    await expect(w(wrong)).rejects.toMatchObject({ statusCode: 401 });
    function w(c: typeof wrong) {
      return c.workspace.getStatus({ path: "/" });
    }
  });

  test("the request log records route names and statuses", async () => {
    sim.log.clear();
    await client(sim).workspace.getStatus({ path: "/Shared" });
    expect(sim.log.count("GET /api/2.0/workspace/get-status")).toBe(1);
    expect(sim.log.entries[0]).toMatchObject({ service: "databricks:primary", status: 200 });
    expect(sim.log.writes()).toHaveLength(0);
  });
});
