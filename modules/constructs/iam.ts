import { IamRole } from "@cdktf/provider-aws/lib/iam-role/index.js";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy/index.js";
import { Construct } from "constructs";

/** One IAM policy statement. Resources are ARNs (tokens allowed); never `s3:*`. */
export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string[];
  Resource: string[] | string;
  Principal?: Record<string, string | string[]>;
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

/**
 * A policy document as a JSON string. Plain JSON (tokens become `${...}` interpolations inside the
 * string) so synthesized policies can be parsed and checked by contract tests.
 */
export function policyJson(statements: PolicyStatement[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/** An IAM role assumed by one AWS service, with inline policies added through `allow`. */
export class ServiceRole extends Construct {
  readonly role: IamRole;
  private policyCount = 0;

  constructor(
    scope: Construct,
    id: string,
    props: { namePrefix: string; service: string; tags: Record<string, string> },
  ) {
    super(scope, id);
    this.role = new IamRole(this, "role", {
      namePrefix: `${props.namePrefix}-`.slice(0, 38),
      assumeRolePolicy: policyJson([
        { Effect: "Allow", Action: ["sts:AssumeRole"], Resource: [], Principal: { Service: props.service } },
      ]).replace(',"Resource":[]', ""),
      tags: props.tags,
    });
  }

  get arn(): string {
    return this.role.arn;
  }

  /** Adds an inline policy. `count` (0 or 1, may be a token) makes it conditional. */
  allow(name: string, statements: PolicyStatement[], count?: number): IamRolePolicy {
    this.policyCount += 1;
    return new IamRolePolicy(this, `policy-${name}`, {
      name,
      role: this.role.id,
      policy: policyJson(statements),
      ...(count === undefined ? {} : { count }),
    });
  }
}

/** S3 object ARNs under each prefix of a bucket ARN. */
export const objectArns = (bucketArn: string, prefixes: readonly string[]): string[] =>
  prefixes.map((prefix) => `${bucketArn}/${prefix}*`);
