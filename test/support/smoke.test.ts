import { inject, test, expect } from "vitest";
import { BlobServiceClient } from "@azure/storage-blob";
import { startTestPlatform } from "./platform.js";

test("Azurite from the global setup answers blob calls", async () => {
  const service = BlobServiceClient.fromConnectionString(inject("azuriteConnectionString"));
  const container = service.getContainerClient("smoke");
  await container.createIfNotExists();
  expect(await container.exists()).toBe(true);
});

test("a closed test platform leaves none of its containers in the shared Azurite", async () => {
  const platform = await startTestPlatform({
    sim: { workspaces: [{ name: "primary", seed: false }], metastores: [] },
  });
  await platform.runtime.store.putObject("kept until close");
  const service = BlobServiceClient.fromConnectionString(inject("azuriteConnectionString"));
  const names = async () => {
    const found: string[] = [];
    for await (const c of service.listContainers({ prefix: platform.storePrefix })) found.push(c.name);
    return found;
  };
  expect(await names()).not.toEqual([]);
  await platform.close();
  expect(await names()).toEqual([]);
});
