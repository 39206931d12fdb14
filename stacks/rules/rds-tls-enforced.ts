import { compliant, defineRule, nonCompliant } from "./rule";
import { blocks } from "./support/stack-model";

/** The parameter that forces TLS, by engine family. */
function tlsParameter(engine: string): { name: string; values: string[] } | undefined {
  if (/postgres|sqlserver/.test(engine)) return { name: "rds.force_ssl", values: ["1"] };
  if (/mysql|mariadb/.test(engine)) return { name: "require_secure_transport", values: ["1", "ON", "on"] };
  return undefined;
}

export default defineRule({
  id: "rds-tls-enforced",
  expects: "A parameter group that forces TLS (rds.force_ssl = 1 for PostgreSQL/SQL Server, require_secure_transport = ON for MySQL/MariaDB); RDS for PostgreSQL 15+ on its default parameter group already does (Aurora does not).",
  why: "Without it clients may connect in plain text and send credentials and data unencrypted.",
  fix: "Attach an aws_db_parameter_group / aws_rds_cluster_parameter_group setting the TLS parameter.",
  level: "error",
  resourceTypes: ["aws_db_instance", "aws_rds_cluster"],
  check(db, stack) {
    const engine = String(db.config.engine ?? "");
    const wanted = tlsParameter(engine);
    if (!wanted) return nonCompliant(`engine ${JSON.stringify(engine)}: enforce TLS with the engine's parameter and extend this rule`);
    const groupRef = db.type === "aws_rds_cluster" ? db.config.db_cluster_parameter_group_name : db.config.parameter_group_name;
    const group = stack.resolve(groupRef);
    if (!group) {
      const major = Number(String(db.config.engine_version ?? "").split(".")[0]);
      // RDS for PostgreSQL 15+ defaults rds.force_ssl to 1; Aurora PostgreSQL's default does not.
      if (!groupRef && engine === "postgres" && major >= 15) return compliant(`PostgreSQL ${major} default parameter group forces TLS (rds.force_ssl = 1)`);
      return nonCompliant(`attach a parameter group with ${wanted.name} = ${wanted.values[0]}`);
    }
    const set = blocks(group.config.parameter).find((p) => p.name === wanted.name);
    return set && wanted.values.includes(String(set.value)) ? compliant(`${group.path} sets ${wanted.name} = ${set.value}`) : nonCompliant(`set ${wanted.name} = ${wanted.values[0]} in ${group.path}`);
  },
});
