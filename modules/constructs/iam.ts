import { IamRole } from "@cdktf/provider-aws/lib/iam-role/index.js";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy/index.js";
import { Fn, type IResolvable, Token, Tokenization } from "cdktf";
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

/** Statements included only when `when` holds: a literal, or a Terraform condition (Op.*). */
export interface OptionalStatements {
  readonly when: boolean | IResolvable;
  readonly statements: PolicyStatement[];
}

/**
 * A policy document whose optional parts depend on Terraform values: plain JSON when every condition
 * is a literal, otherwise Terraform's `jsonencode` of the statements `concat`enated with `cond ? [...] : []`
 * (so the result is always one valid policy, never one with an empty ARN in it). Built from HCL objects,
 * not from JSON text inside an expression: CDKTF does not escape quotes in string literals there.
 */
export function conditionalPolicyJson(base: PolicyStatement[], optional: OptionalStatements[]): string {
  if (optional.every((part) => typeof part.when === "boolean")) {
    return policyJson([...base, ...optional.flatMap((part) => (part.when === true ? part.statements : []))]);
  }
  const parts = optional.map((part) =>
    typeof part.when === "boolean"
      ? part.when
        ? expressionStatements(part.statements)
        : []
      : Fn.conditional(part.when, expressionStatements(part.statements), []),
  );
  return Token.asString(
    Fn.jsonencode({ Version: "2012-10-17", Statement: Fn.concat([expressionStatements(base), ...parts]) }),
  );
}

/**
 * Statements for use inside a Terraform expression: a string with tokens inside (an ARN built from
 * a bucket name) becomes `join("", [...])`, which CDKTF renders without its "escape sequences inside
 * built-in functions" warning.
 */
function expressionStatements(statements: PolicyStatement[]): unknown[] {
  const value = (text: string): unknown => {
    if (!Token.isUnresolved(text)) return text;
    const parts = Tokenization.reverseString(text).join({
      join: (left: unknown, right: unknown) => [...(Array.isArray(left) ? left : [left]), right],
    }) as unknown;
    return Array.isArray(parts) ? Fn.join("", parts) : parts;
  };
  const deep = (node: unknown): unknown => {
    if (typeof node === "string") return value(node);
    if (Array.isArray(node)) return node.map(deep);
    if (typeof node === "object" && node !== null)
      return Object.fromEntries(Object.entries(node).map(([key, inner]) => [key, deep(inner)]));
    return node;
  };
  return statements.map(deep);
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
