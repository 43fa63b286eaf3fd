import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AppError } from "../../../handlers/contracts/errors.js";
import { loadAwsTarget, parseStackOutputs } from "../../../tui/target/aws-target.js";
import { resolveTargetKind } from "../../../tui/target/target-kind.js";

describe("target rules", () => {
  it("defaults to the local cloud, even with AWS credentials in the environment", () => {
    expect(resolveTargetKind(undefined, {})).toBe("local");
    expect(
      resolveTargetKind(undefined, {
        AWS_ACCESS_KEY_ID: "AKIA",
        AWS_PROFILE: "prod",
        AWS_REGION: "eu-west-1",
      }),
    ).toBe("local");
  });

  it("switches to AWS only when asked, the flag winning over the variable", () => {
    expect(resolveTargetKind("aws", {})).toBe("aws");
    expect(resolveTargetKind(undefined, { HYPERFRAMES_TARGET: "AWS" })).toBe("aws");
    expect(resolveTargetKind("local", { HYPERFRAMES_TARGET: "aws" })).toBe("local");
  });

  it("rejects unknown targets as usage errors", () => {
    expect(() => resolveTargetKind("gcp", {})).toThrow(AppError);
  });
});

const cdktfOutputs = {
  "hyperframes-root": {
    bucket_name: "hf-bucket-123",
    render_state_machine_arn: "arn:aws:states:eu-west-1:123456789012:stateMachine:hf-render",
    media_state_machine_arn: "arn:aws:states:eu-west-1:123456789012:stateMachine:hf-media",
    api_url: "https://abc.lambda-url.eu-west-1.on.aws/",
    region: "eu-west-1",
  },
};
const terraformOutputs = {
  bucket_name: { value: "hf-bucket-123", type: "string", sensitive: false },
  render_state_machine_arn: {
    value: "arn:aws:states:eu-west-1:123456789012:stateMachine:hf-render",
    type: "string",
  },
  media_state_machine_arn: {
    value: "arn:aws:states:eu-west-1:123456789012:stateMachine:hf-media",
    type: "string",
  },
};

describe("stack outputs", () => {
  it("reads cdktf deploy --outputs-file and terraform output -json alike", () => {
    expect(parseStackOutputs(cdktfOutputs)).toMatchObject({
      bucket_name: "hf-bucket-123",
      region: "eu-west-1",
    });
    expect(parseStackOutputs(terraformOutputs)).toMatchObject({
      bucket_name: "hf-bucket-123",
      media_state_machine_arn: "arn:aws:states:eu-west-1:123456789012:stateMachine:hf-media",
    });
  });

  it("loads an AWS target from a file, with env overriding one output", async () => {
    const dir = await mkdtemp(join(tmpdir(), "hf-target-"));
    await writeFile(join(dir, "outputs.json"), JSON.stringify(cdktfOutputs));
    const target = await loadAwsTarget({
      outputsFile: "outputs.json",
      cwd: dir,
      env: { HYPERFRAMES_BUCKET_NAME: "override-bucket" },
    });
    expect(target).toMatchObject({ kind: "aws", region: "eu-west-1", bucket: "override-bucket" });
  });

  it("says exactly what is missing when the target is not configured", async () => {
    const attempt = loadAwsTarget({ cwd: "/", env: {} });
    await expect(attempt).rejects.toMatchObject({ name: "TARGET_NOT_CONFIGURED" });
    await expect(attempt).rejects.toThrow(/bucket_name \(or HYPERFRAMES_BUCKET_NAME\).*region/);
  });

  it("reports an unreadable outputs file as a configuration error", async () => {
    await expect(
      loadAwsTarget({ outputsFile: "/nonexistent.json", cwd: "/", env: {} }),
    ).rejects.toMatchObject({
      name: "TARGET_NOT_CONFIGURED",
    });
  });
});
