import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse } from "@cdktf/hcl2json";
import { Testing } from "cdktf";
import { beforeAll, describe, expect, it } from "vitest";
import { STACK_OUTPUTS } from "../../../handlers/contracts/stack-outputs.js";
import { PROJECT_ROOT } from "../../../modules/packaging/build-lambda-zips.js";
import { HyperframesModuleStack } from "../../../modules/stacks.js";
import { FAKE_ZIPS, type SynthJson } from "./fake-zips.js";

async function terraformSection(): Promise<string> {
  const readme = await readFile(join(PROJECT_ROOT, "README.md"), "utf8");
  const match = /<!-- section:terraform -->([\s\S]*)<!-- \/section:terraform -->/.exec(readme);
  if (!match?.[1]) throw new Error("README has no terraform section");
  return match[1];
}

describe("README terraform section", () => {
  let section: string;
  let moduleVariables: string[];
  beforeAll(async () => {
    section = await terraformSection();
    const synth = JSON.parse(
      Testing.synth(new HyperframesModuleStack(Testing.app(), "m", FAKE_ZIPS)),
    ) as SynthJson;
    moduleVariables = Object.keys(synth.variable ?? {});
  });

  it("shows HCL that parses and only sets variables the module declares", async () => {
    const hcl = /```hcl\n([\s\S]*?)```/.exec(section)?.[1];
    expect(hcl).toBeDefined();
    const parsed = (await parse("README.tf", hcl ?? "")) as {
      module?: Record<string, Record<string, unknown>[]>;
    };
    const block = parsed.module?.hyperframes?.[0];
    expect(block).toBeDefined();
    const names = Object.keys(block ?? {}).filter((name) => name !== "source");
    expect(names.length).toBeGreaterThan(5);
    for (const name of names) expect(moduleVariables, `README sets unknown variable ${name}`).toContain(name);
    for (const [, output] of (hcl ?? "").matchAll(/module\.hyperframes\.([a-z_]+)/g)) {
      expect(Object.values(STACK_OUTPUTS), `README reads unknown output ${output}`).toContain(output);
    }
  });

  it("lists every variable and every output in its tables", () => {
    for (const name of moduleVariables) expect(section, `variable ${name}`).toContain(`| \`${name}\` |`);
    for (const name of Object.values(STACK_OUTPUTS))
      expect(section, `output ${name}`).toContain(`| \`${name}\` |`);
  });

  it("covers deploy, destroy, costs at rest and the x86_64 restriction", () => {
    expect(section).toMatch(/cdktf-cli@0\.21 deploy/);
    expect(section).toMatch(/destroy/);
    expect(section).toMatch(/Costs at rest/);
    expect(section).toMatch(/x86_64 only/);
  });
});
