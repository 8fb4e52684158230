//! ACLs with Kafka's model, and the decision Kafka's StandardAuthorizer makes (used by the broker;
//! the admin client shares the types).
//!
//! An ACL binds a resource pattern (type, name, literal or prefixed) to an entry (principal,
//! host, operation, ALLOW or DENY). ACLs live in the metadata log, so they survive restarts and
//! (with a quorum) reach every broker. A request is allowed when the principal is a super user,
//! or no DENY matches and an ALLOW matches (directly, through ALL, or through an operation that
//! implies it, e.g. READ implies DESCRIBE), or no ACL at all matches the resource and
//! `allow.everyone.if.no.acl.found` is true.

use serde::{Deserialize, Serialize};

macro_rules! kafka_enum {
    ($(#[$doc:meta])* $name:ident { $( $variant:ident = $code:literal, $text:literal ),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name { $( $variant ),* }

        impl $name {
            /// Every value, in code order.
            pub const ALL_VALUES: &'static [$name] = &[$( $name::$variant ),*];

            /// The wire code.
            pub fn code(self) -> i8 {
                match self { $( $name::$variant => $code ),* }
            }

            /// The value of a wire code, `None` for unknown codes.
            pub fn from_code(code: i8) -> Option<Self> {
                match code { $( $code => Some($name::$variant), )* _ => None }
            }

            /// Kafka's upper-case name (`TOPIC`, `IDEMPOTENT_WRITE`).
            pub fn name(self) -> &'static str {
                match self { $( $name::$variant => $text ),* }
            }

            /// Parses a name as Kafka's tools accept it: any case, `_` optional
            /// (`IdempotentWrite`, `idempotent_write`).
            pub fn parse(text: &str) -> Option<Self> {
                let wanted: String = text.trim().chars().filter(|c| *c != '_' && *c != '-').collect();
                Self::ALL_VALUES.iter().copied().find(|v| v.name().replace('_', "").eq_ignore_ascii_case(&wanted))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

kafka_enum!(
    /// What an ACL protects.
    ResourceType {
        Any = 1, "ANY",
        Topic = 2, "TOPIC",
        Group = 3, "GROUP",
        Cluster = 4, "CLUSTER",
        TransactionalId = 5, "TRANSACTIONAL_ID",
        DelegationToken = 6, "DELEGATION_TOKEN",
        User = 7, "USER",
    }
);

kafka_enum!(
    /// How an ACL's resource name matches: exactly (or `*`), or as a prefix. `Any` and `Match`
    /// exist only in filters.
    PatternType {
        Any = 1, "ANY",
        Match = 2, "MATCH",
        Literal = 3, "LITERAL",
        Prefixed = 4, "PREFIXED",
    }
);

kafka_enum!(
    /// What a principal does to a resource.
    AclOperation {
        Any = 1, "ANY",
        All = 2, "ALL",
        Read = 3, "READ",
        Write = 4, "WRITE",
        Create = 5, "CREATE",
        Delete = 6, "DELETE",
        Alter = 7, "ALTER",
        Describe = 8, "DESCRIBE",
        ClusterAction = 9, "CLUSTER_ACTION",
        DescribeConfigs = 10, "DESCRIBE_CONFIGS",
        AlterConfigs = 11, "ALTER_CONFIGS",
        IdempotentWrite = 12, "IDEMPOTENT_WRITE",
        CreateTokens = 13, "CREATE_TOKENS",
        DescribeTokens = 14, "DESCRIBE_TOKENS",
    }
);

kafka_enum!(
    /// ALLOW or DENY (`Any` only in filters).
    PermissionType {
        Any = 1, "ANY",
        Deny = 2, "DENY",
        Allow = 3, "ALLOW",
    }
);

/// The name of the one cluster resource.
pub const CLUSTER_NAME: &str = "kafka-cluster";
/// The wildcard resource name, principal and host.
pub const WILDCARD: &str = "*";
/// The wildcard principal.
pub const WILDCARD_PRINCIPAL: &str = "User:*";

impl ResourceType {
    /// The operations an ACL on this resource type may name (Kafka's `AclEntry.supportedOperations`).
    pub fn supported_operations(self) -> &'static [AclOperation] {
        use AclOperation::*;
        match self {
            ResourceType::Topic => &[
                Read,
                Write,
                Create,
                Describe,
                Delete,
                Alter,
                DescribeConfigs,
                AlterConfigs,
            ],
            ResourceType::Group => &[Read, Describe, Delete],
            ResourceType::Cluster => &[
                Create,
                ClusterAction,
                DescribeConfigs,
                AlterConfigs,
                IdempotentWrite,
                Alter,
                Describe,
            ],
            ResourceType::TransactionalId => &[Describe, Write],
            ResourceType::DelegationToken => &[Describe],
            ResourceType::User => &[CreateTokens, DescribeTokens],
            ResourceType::Any => &[],
        }
    }
}

impl AclOperation {
    /// The ALLOW operations that grant this one: itself, ALL, and the operations that imply it.
    fn granted_by(self) -> &'static [AclOperation] {
        use AclOperation::*;
        match self {
            Describe => &[Describe, All, Read, Write, Delete, Alter],
            DescribeConfigs => &[DescribeConfigs, All, AlterConfigs],
            Read => &[Read, All],
            Write => &[Write, All],
            Create => &[Create, All],
            Delete => &[Delete, All],
            Alter => &[Alter, All],
            ClusterAction => &[ClusterAction, All],
            AlterConfigs => &[AlterConfigs, All],
            IdempotentWrite => &[IdempotentWrite, All],
            CreateTokens => &[CreateTokens, All],
            DescribeTokens => &[DescribeTokens, All],
            All => &[All],
            Any => &[],
        }
    }
}

/// One ACL: a resource pattern and an access control entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AclBinding {
    pub resource_type: ResourceType,
    pub resource_name: String,
    pub pattern_type: PatternType,
    pub principal: String,
    pub host: String,
    pub operation: AclOperation,
    pub permission: PermissionType,
}

impl AclBinding {
    /// Checks what Kafka checks before storing an ACL; the message is Kafka's reason.
    pub fn validate(&self) -> Result<(), String> {
        if matches!(self.resource_type, ResourceType::Any) {
            return Err("Invalid resourceType ANY".into());
        }
        if !matches!(
            self.pattern_type,
            PatternType::Literal | PatternType::Prefixed
        ) {
            return Err(format!("Invalid patternType {}", self.pattern_type));
        }
        if matches!(self.operation, AclOperation::Any) {
            return Err("Invalid operation ANY".into());
        }
        if matches!(self.permission, PermissionType::Any) {
            return Err("Invalid permissionType ANY".into());
        }
        if self.resource_name.is_empty() {
            return Err("Resource name should not be empty".into());
        }
        if self.resource_type == ResourceType::Cluster && self.resource_name != CLUSTER_NAME {
            return Err(format!(
                "The only valid name for the CLUSTER resource is {CLUSTER_NAME}"
            ));
        }
        if !self.principal.contains(':') {
            return Err(format!(
                "Could not parse principal from `{}` (no colon is found).",
                self.principal
            ));
        }
        if self.operation != AclOperation::All
            && !self
                .resource_type
                .supported_operations()
                .contains(&self.operation)
        {
            return Err(format!(
                "ResourceType {} only supports operations {}",
                self.resource_type,
                self.resource_type
                    .supported_operations()
                    .iter()
                    .map(|o| o.name())
                    .collect::<Vec<_>>()
                    .join(",")
            ));
        }
        Ok(())
    }

    /// Does this ACL's resource pattern cover the named resource?
    fn covers(&self, resource_type: ResourceType, name: &str) -> bool {
        self.resource_type == resource_type
            && match self.pattern_type {
                PatternType::Literal => {
                    self.resource_name == name || self.resource_name == WILDCARD
                }
                PatternType::Prefixed => name.starts_with(&self.resource_name),
                PatternType::Any | PatternType::Match => false,
            }
    }

    /// `ResourcePattern(resourceType=TOPIC, name=t, patternType=LITERAL)`, as Kafka prints it.
    pub fn pattern_text(&self) -> String {
        format!(
            "ResourcePattern(resourceType={}, name={}, patternType={})",
            self.resource_type, self.resource_name, self.pattern_type
        )
    }

    /// `(principal=User:a, host=*, operation=READ, permissionType=ALLOW)`, as Kafka prints it.
    pub fn entry_text(&self) -> String {
        format!(
            "(principal={}, host={}, operation={}, permissionType={})",
            self.principal, self.host, self.operation, self.permission
        )
    }
}

/// A filter over ACLs (DescribeAcls, DeleteAcls): `None` and the `Any` values match anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclFilter {
    pub resource_type: ResourceType,
    pub resource_name: Option<String>,
    pub pattern_type: PatternType,
    pub principal: Option<String>,
    pub host: Option<String>,
    pub operation: AclOperation,
    pub permission: PermissionType,
}

impl AclFilter {
    /// A filter from a request's codes; the error is the reason an unknown code is refused.
    #[allow(clippy::too_many_arguments)]
    pub fn from_codes(
        resource_type: i8,
        resource_name: Option<&str>,
        pattern_type: i8,
        principal: Option<&str>,
        host: Option<&str>,
        operation: i8,
        permission: i8,
    ) -> Result<AclFilter, String> {
        Ok(AclFilter {
            resource_type: ResourceType::from_code(resource_type)
                .ok_or_else(|| format!("Unknown resource type code {resource_type}"))?,
            resource_name: resource_name.map(String::from),
            pattern_type: PatternType::from_code(pattern_type)
                .ok_or_else(|| format!("Unknown pattern type code {pattern_type}"))?,
            principal: principal.map(String::from),
            host: host.map(String::from),
            operation: AclOperation::from_code(operation)
                .ok_or_else(|| format!("Unknown operation code {operation}"))?,
            permission: PermissionType::from_code(permission)
                .ok_or_else(|| format!("Unknown permission type code {permission}"))?,
        })
    }

    pub fn matches(&self, acl: &AclBinding) -> bool {
        let resource = match self.pattern_type {
            // MATCH: every ACL that applies to the named resource (literal, wildcard, prefix).
            PatternType::Match => {
                (self.resource_type == ResourceType::Any || acl.resource_type == self.resource_type)
                    && self
                        .resource_name
                        .as_ref()
                        .is_none_or(|name| acl.covers(acl.resource_type, name))
            }
            pattern => {
                (self.resource_type == ResourceType::Any || acl.resource_type == self.resource_type)
                    && (pattern == PatternType::Any || acl.pattern_type == pattern)
                    && self
                        .resource_name
                        .as_ref()
                        .is_none_or(|n| *n == acl.resource_name)
            }
        };
        resource
            && self.principal.as_ref().is_none_or(|p| *p == acl.principal)
            && self.host.as_ref().is_none_or(|h| *h == acl.host)
            && (self.operation == AclOperation::Any || self.operation == acl.operation)
            && (self.permission == PermissionType::Any || self.permission == acl.permission)
    }
}

/// DescribeAcls requests and DeleteAcls filters carry the same seven filter fields; these two
/// macros read them into an [`AclFilter`] (broker) and write one into them (client).
macro_rules! acl_filter_from_fields {
    ($r:expr) => {
        $crate::acl::AclFilter::from_codes(
            $r.resource_type_filter,
            $r.resource_name_filter.as_deref(),
            $r.pattern_type_filter,
            $r.principal_filter.as_deref(),
            $r.host_filter.as_deref(),
            $r.operation,
            $r.permission_type,
        )
    };
}
pub(crate) use acl_filter_from_fields;

macro_rules! acl_filter_into_fields {
    ($f:expr, $r:expr) => {{
        use kafka_protocol::protocol::StrBytes;
        $r.resource_type_filter = $f.resource_type.code();
        $r.resource_name_filter = $f.resource_name.clone().map(StrBytes::from_string);
        $r.pattern_type_filter = $f.pattern_type.code();
        $r.principal_filter = $f.principal.clone().map(StrBytes::from_string);
        $r.host_filter = $f.host.clone().map(StrBytes::from_string);
        $r.operation = $f.operation.code();
        $r.permission_type = $f.permission.code();
    }};
}
pub(crate) use acl_filter_into_fields;

/// Who asks: a principal (`User:alice`) from a host (an IP address as text).
#[derive(Debug, Clone, Copy)]
pub struct Requester<'a> {
    pub principal: &'a str,
    pub host: &'a str,
}

/// The authorizer's settings (`super.users`, `allow.everyone.if.no.acl.found`).
#[derive(Debug, Clone, Copy)]
pub struct Policy<'a> {
    pub super_users: &'a [String],
    pub allow_everyone_if_no_acl_found: bool,
}

/// Does an ACL's entry (principal and host, wildcards included) apply to the requester?
pub fn entry_applies(acl: &AclBinding, who: Requester<'_>) -> bool {
    (acl.principal == who.principal || acl.principal == WILDCARD_PRINCIPAL)
        && (acl.host == who.host || acl.host == WILDCARD)
}

/// Kafka's decision for one operation on one resource.
pub fn authorize<'a>(
    acls: impl Iterator<Item = &'a AclBinding> + Clone,
    policy: Policy<'_>,
    who: Requester<'_>,
    operation: AclOperation,
    resource_type: ResourceType,
    name: &str,
) -> bool {
    if policy.super_users.iter().any(|s| s == who.principal) {
        return true;
    }
    let mut any_for_resource = false;
    let mut allowed = false;
    for acl in acls.filter(|a| a.covers(resource_type, name)) {
        any_for_resource = true;
        if !entry_applies(acl, who) {
            continue;
        }
        match acl.permission {
            PermissionType::Deny
                if acl.operation == operation || acl.operation == AclOperation::All =>
            {
                return false;
            }
            PermissionType::Allow if operation.granted_by().contains(&acl.operation) => {
                allowed = true
            }
            _ => {}
        }
    }
    allowed || (!any_for_resource && policy.allow_everyone_if_no_acl_found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acl(
        rt: ResourceType,
        name: &str,
        pt: PatternType,
        principal: &str,
        op: AclOperation,
        perm: PermissionType,
    ) -> AclBinding {
        AclBinding {
            resource_type: rt,
            resource_name: name.into(),
            pattern_type: pt,
            principal: principal.into(),
            host: WILDCARD.into(),
            operation: op,
            permission: perm,
        }
    }

    const STRICT: Policy<'static> = Policy {
        super_users: &[],
        allow_everyone_if_no_acl_found: false,
    };
    const ALICE: Requester<'static> = Requester {
        principal: "User:alice",
        host: "10.0.0.1",
    };
    const BOB: Requester<'static> = Requester {
        principal: "User:bob",
        host: "10.0.0.2",
    };

    #[test]
    fn allow_deny_implication_and_patterns() {
        use AclOperation::*;
        use PermissionType::*;
        use ResourceType::*;
        let acls = vec![
            acl(
                Topic,
                "orders",
                PatternType::Literal,
                "User:alice",
                Read,
                Allow,
            ),
            acl(
                Topic,
                "logs-",
                PatternType::Prefixed,
                "User:*",
                Write,
                Allow,
            ),
            acl(
                Topic,
                "logs-secret",
                PatternType::Literal,
                "User:bob",
                All,
                Deny,
            ),
            acl(Group, "*", PatternType::Literal, "User:alice", Read, Allow),
        ];
        let ok = |who, op, rt, name| authorize(acls.iter(), STRICT, who, op, rt, name);
        assert!(ok(ALICE, Read, Topic, "orders"));
        assert!(
            ok(ALICE, Describe, Topic, "orders"),
            "READ implies DESCRIBE"
        );
        assert!(!ok(ALICE, Write, Topic, "orders"));
        assert!(!ok(BOB, Read, Topic, "orders"));
        assert!(
            ok(BOB, Write, Topic, "logs-app"),
            "prefix and wildcard principal"
        );
        assert!(!ok(BOB, Write, Topic, "logs-secret"), "DENY wins");
        assert!(ok(ALICE, Write, Topic, "logs-secret"));
        assert!(ok(ALICE, Read, Group, "any-group"), "wildcard resource");
        assert!(
            !ok(ALICE, Read, Topic, "unprotected"),
            "no ACL: denied when strict"
        );
        let open = Policy {
            allow_everyone_if_no_acl_found: true,
            ..STRICT
        };
        assert!(authorize(
            acls.iter(),
            open,
            BOB,
            Read,
            Topic,
            "unprotected"
        ));
        assert!(
            !authorize(acls.iter(), open, BOB, Read, Topic, "orders"),
            "an ACL exists for orders"
        );
        let supers = ["User:bob".to_string()];
        let admin = Policy {
            super_users: &supers,
            ..STRICT
        };
        assert!(
            authorize(acls.iter(), admin, BOB, Write, Topic, "logs-secret"),
            "super users skip ACLs"
        );
    }

    #[test]
    fn host_must_match_and_deny_does_not_imply() {
        use AclOperation::*;
        let mut only_host = acl(
            ResourceType::Topic,
            "t",
            PatternType::Literal,
            "User:alice",
            Read,
            PermissionType::Allow,
        );
        only_host.host = "10.0.0.9".into();
        assert!(!authorize(
            [only_host.clone()].iter(),
            STRICT,
            ALICE,
            Read,
            ResourceType::Topic,
            "t"
        ));
        let deny_read = acl(
            ResourceType::Topic,
            "t",
            PatternType::Literal,
            "User:alice",
            Read,
            PermissionType::Deny,
        );
        let allow_all = acl(
            ResourceType::Topic,
            "t",
            PatternType::Literal,
            "User:alice",
            All,
            PermissionType::Allow,
        );
        let acls = [deny_read, allow_all];
        assert!(!authorize(
            acls.iter(),
            STRICT,
            ALICE,
            Read,
            ResourceType::Topic,
            "t"
        ));
        assert!(authorize(
            acls.iter(),
            STRICT,
            ALICE,
            Describe,
            ResourceType::Topic,
            "t"
        ));
    }

    #[test]
    fn filters_and_validation() {
        use AclOperation::*;
        let a = acl(
            ResourceType::Topic,
            "logs-",
            PatternType::Prefixed,
            "User:a",
            Write,
            PermissionType::Allow,
        );
        let mut f = AclFilter {
            resource_type: ResourceType::Topic,
            resource_name: Some("logs-app".into()),
            pattern_type: PatternType::Match,
            principal: None,
            host: None,
            operation: AclOperation::Any,
            permission: PermissionType::Any,
        };
        assert!(f.matches(&a), "MATCH finds prefixes that cover the name");
        f.pattern_type = PatternType::Any;
        assert!(!f.matches(&a), "ANY compares names exactly");
        f.resource_name = Some("logs-".into());
        assert!(f.matches(&a));
        f.pattern_type = PatternType::Literal;
        assert!(!f.matches(&a));
        assert!(a.validate().is_ok());
        let bad = acl(
            ResourceType::Group,
            "g",
            PatternType::Literal,
            "User:a",
            Write,
            PermissionType::Allow,
        );
        assert_eq!(
            bad.validate().unwrap_err(),
            "ResourceType GROUP only supports operations READ,DESCRIBE,DELETE"
        );
        assert_eq!(
            AclOperation::parse("IdempotentWrite"),
            Some(IdempotentWrite)
        );
        assert_eq!(
            AclOperation::parse("describe_configs"),
            Some(DescribeConfigs)
        );
        assert_eq!(
            ResourceType::parse("transactional-id"),
            Some(ResourceType::TransactionalId)
        );
        assert_eq!(
            a.pattern_text(),
            "ResourcePattern(resourceType=TOPIC, name=logs-, patternType=PREFIXED)"
        );
        assert_eq!(
            a.entry_text(),
            "(principal=User:a, host=*, operation=WRITE, permissionType=ALLOW)"
        );
    }
}
