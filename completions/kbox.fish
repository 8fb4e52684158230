# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_kbox_global_optspecs
    string join \n log-level= profile= X= h/help V/version
end

function __fish_kbox_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_kbox_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_kbox_using_subcommand
    set -l cmd (__fish_kbox_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c kbox -n "__fish_kbox_needs_command" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_needs_command" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_needs_command" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_needs_command" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_needs_command" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_needs_command" -f -a "storage" -d 'Format and inspect log directories (kafka-storage.sh)'
complete -c kbox -n "__fish_kbox_needs_command" -f -a "server-start" -d 'Run a broker (kafka-server-start.sh). With no config: a single local node on 127.0.0.1:9092'
complete -c kbox -n "__fish_kbox_needs_command" -f -a "server-stop" -d 'Stop brokers started by kbox server-start (kafka-server-stop.sh)'
complete -c kbox -n "__fish_kbox_needs_command" -f -a "consumer-groups" -d 'List, describe, delete consumer groups and reset their offsets (kafka-consumer-groups.sh)'
complete -c kbox -n "__fish_kbox_needs_command" -f -a "get-offsets" -d 'Print topic-partition offsets (kafka-get-offsets.sh)'
complete -c kbox -n "__fish_kbox_needs_command" -f -a "configs" -d 'Describe and alter topic, broker and group configs (kafka-configs.sh)'
complete -c kbox -n "__fish_kbox_needs_command" -f -a "delete-records" -d 'Delete records before given offsets (kafka-delete-records.sh)'
complete -c kbox -n "__fish_kbox_needs_command" -f -a "dump-log" -d 'Print the batches, records and index entries of log segment files (kafka-dump-log.sh)'
complete -c kbox -n "__fish_kbox_needs_command" -f -a "topics" -d 'Create, list, describe, alter and delete topics (kafka-topics.sh)'
complete -c kbox -n "__fish_kbox_needs_command" -f -a "console-producer" -d 'Read lines from stdin and produce them as records (kafka-console-producer.sh)'
complete -c kbox -n "__fish_kbox_needs_command" -f -a "console-consumer" -d 'Print records to stdout (kafka-console-consumer.sh)'
complete -c kbox -n "__fish_kbox_needs_command" -f -a "mirror-maker" -d 'Copy topics from one cluster to another (kafka-mirror-maker.sh)'
complete -c kbox -n "__fish_kbox_needs_command" -f -a "perf-test" -d 'Measure producer, consumer and end-to-end performance (Apache\'s perf tools)'
complete -c kbox -n "__fish_kbox_needs_command" -f -a "completions" -d 'Print a shell completion script (bash, zsh, fish, powershell, elvish)'
complete -c kbox -n "__fish_kbox_needs_command" -f -a "broker-api-versions" -d 'kafka-broker-api-versions.sh: the API versions each broker supports'
complete -c kbox -n "__fish_kbox_needs_command" -f -a "cluster-id" -d 'kafka-cluster.sh cluster-id: print the cluster\'s id'
complete -c kbox -n "__fish_kbox_needs_command" -f -a "acls" -d 'kafka-acls.sh: add, remove and list ACLs'
complete -c kbox -n "__fish_kbox_needs_command" -f -a "leader-election" -d 'kafka-leader-election.sh: preferred or unclean leader election'
complete -c kbox -n "__fish_kbox_needs_command" -f -a "reassign-partitions" -d 'kafka-reassign-partitions.sh: move partitions to other brokers'
complete -c kbox -n "__fish_kbox_needs_command" -f -a "metadata-quorum" -d 'kafka-metadata-quorum.sh: the controller quorum\'s status and replication'
complete -c kbox -n "__fish_kbox_needs_command" -f -a "log-dirs" -d 'kafka-log-dirs.sh: log directories and partition sizes per broker'
complete -c kbox -n "__fish_kbox_needs_command" -f -a "transactions" -d 'kafka-transactions.sh: list, describe, find hanging and abort transactions'
complete -c kbox -n "__fish_kbox_needs_command" -f -a "shell" -d 'An interactive prompt running kbox commands against one cluster'
complete -c kbox -n "__fish_kbox_needs_command" -f -a "install-links" -d 'Create a link for every Apache tool name (and kcat) kbox answers to'
complete -c kbox -n "__fish_kbox_needs_command" -f -a "kcat" -d 'kcat: produce, consume, list metadata, query offsets, with kcat\'s flags and output'
complete -c kbox -n "__fish_kbox_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kbox -n "__fish_kbox_using_subcommand storage; and not __fish_seen_subcommand_from random-uuid format info help" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand storage; and not __fish_seen_subcommand_from random-uuid format info help" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand storage; and not __fish_seen_subcommand_from random-uuid format info help" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand storage; and not __fish_seen_subcommand_from random-uuid format info help" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand storage; and not __fish_seen_subcommand_from random-uuid format info help" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand storage; and not __fish_seen_subcommand_from random-uuid format info help" -f -a "random-uuid" -d 'Print a new random cluster id (22 base64 characters)'
complete -c kbox -n "__fish_kbox_using_subcommand storage; and not __fish_seen_subcommand_from random-uuid format info help" -f -a "format" -d 'Write meta.properties into every log directory of a config'
complete -c kbox -n "__fish_kbox_using_subcommand storage; and not __fish_seen_subcommand_from random-uuid format info help" -f -a "info" -d 'Show the log directories of a config and any problem with them'
complete -c kbox -n "__fish_kbox_using_subcommand storage; and not __fish_seen_subcommand_from random-uuid format info help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kbox -n "__fish_kbox_using_subcommand storage; and __fish_seen_subcommand_from random-uuid" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand storage; and __fish_seen_subcommand_from random-uuid" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand storage; and __fish_seen_subcommand_from random-uuid" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand storage; and __fish_seen_subcommand_from random-uuid" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand storage; and __fish_seen_subcommand_from random-uuid" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand storage; and __fish_seen_subcommand_from format" -s c -l config -d 'The server.properties of the node' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand storage; and __fish_seen_subcommand_from format" -s t -l cluster-id -d 'The cluster id (from `kbox storage random-uuid`)' -r
complete -c kbox -n "__fish_kbox_using_subcommand storage; and __fish_seen_subcommand_from format" -s I -l initial-controllers -d 'The initial controllers of a dynamic quorum: id@host:port:directory-id,...' -r
complete -c kbox -n "__fish_kbox_using_subcommand storage; and __fish_seen_subcommand_from format" -s S -l add-scram -d 'A SCRAM credential to create: \'SCRAM-SHA-256=[name=alice,password=alice-secret]\' (also iterations=, or salt= and saltedpassword= in base64). May be repeated' -r
complete -c kbox -n "__fish_kbox_using_subcommand storage; and __fish_seen_subcommand_from format" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand storage; and __fish_seen_subcommand_from format" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand storage; and __fish_seen_subcommand_from format" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand storage; and __fish_seen_subcommand_from format" -s g -l ignore-formatted -d 'Skip directories that are already formatted instead of failing'
complete -c kbox -n "__fish_kbox_using_subcommand storage; and __fish_seen_subcommand_from format" -s s -l standalone -d 'Format a single-node dynamic controller quorum with this node as its voter'
complete -c kbox -n "__fish_kbox_using_subcommand storage; and __fish_seen_subcommand_from format" -s N -l no-initial-controllers -d 'Do not write initial controllers (a controller joining an existing quorum)'
complete -c kbox -n "__fish_kbox_using_subcommand storage; and __fish_seen_subcommand_from format" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand storage; and __fish_seen_subcommand_from format" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand storage; and __fish_seen_subcommand_from info" -s c -l config -r -F
complete -c kbox -n "__fish_kbox_using_subcommand storage; and __fish_seen_subcommand_from info" -l format -d 'Output format: Apache\'s text or JSON' -r -f -a "text\t''
json\t''"
complete -c kbox -n "__fish_kbox_using_subcommand storage; and __fish_seen_subcommand_from info" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand storage; and __fish_seen_subcommand_from info" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand storage; and __fish_seen_subcommand_from info" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand storage; and __fish_seen_subcommand_from info" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand storage; and __fish_seen_subcommand_from info" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand storage; and __fish_seen_subcommand_from help" -f -a "random-uuid" -d 'Print a new random cluster id (22 base64 characters)'
complete -c kbox -n "__fish_kbox_using_subcommand storage; and __fish_seen_subcommand_from help" -f -a "format" -d 'Write meta.properties into every log directory of a config'
complete -c kbox -n "__fish_kbox_using_subcommand storage; and __fish_seen_subcommand_from help" -f -a "info" -d 'Show the log directories of a config and any problem with them'
complete -c kbox -n "__fish_kbox_using_subcommand storage; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kbox -n "__fish_kbox_using_subcommand server-start" -l override -d 'Override a property of the config file: --override key=value (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand server-start" -l listen -d 'Embedded default only: the address to listen on' -r
complete -c kbox -n "__fish_kbox_using_subcommand server-start" -l data-dir -d 'Embedded default only: where data lives [default: $KBOX_DATA_DIR, else ~/.local/share/kbox/data]' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand server-start" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand server-start" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand server-start" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand server-start" -l daemon -d 'Run in the background, logging to $LOG_DIR/kafkaServer.out (Apache\'s -daemon)'
complete -c kbox -n "__fish_kbox_using_subcommand server-start" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand server-start" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand server-stop" -l node-id -d 'Stop only the node with this node.id' -r
complete -c kbox -n "__fish_kbox_using_subcommand server-stop" -l process-role -d 'Stop only nodes with this role (broker or controller)' -r
complete -c kbox -n "__fish_kbox_using_subcommand server-stop" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand server-stop" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand server-stop" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand server-stop" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand server-stop" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -l bootstrap-server -d 'REQUIRED: the server(s) to connect to' -r
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -l command-config -d 'Property file with configs for the admin client' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -l group -d 'The consumer group(s) to act on' -r
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -l topic -d 'Topic scope: `topic` or `topic:0,1` (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -l state -d 'With --describe: the group state; with --list: a STATE column, optionally filtered (comma-separated states)' -r
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -l type -d 'With --list: a TYPE column, optionally filtered (classic, consumer)' -r
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -l timeout -d 'Timeout (ms) for some calls' -r
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -l to-offset -d 'Reset to this offset' -r
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -l shift-by -d 'Shift the committed offset by n (may be negative)' -r
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -l to-datetime -d 'Reset to the first offset at or after a time: YYYY-MM-DDTHH:mm:SS.sss[Z|+hh:mm]' -r
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -l by-duration -d 'Reset to the first offset at or after now minus a duration: PnDTnHnMnS' -r
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -l from-file -d 'Reset to the offsets in a CSV file (topic,partition,offset or group,topic,partition,offset)' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -l format -d 'Output format: Apache\'s text or JSON' -r -f -a "text\t''
json\t''"
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -l list -d 'List all consumer groups'
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -l describe -d 'Describe consumer group(s) and list offset lag (number of messages not yet processed)'
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -l delete -d 'Delete consumer group(s)'
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -l reset-offsets -d 'Reset offsets of a consumer group (one group at a time; the group must be inactive)'
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -l delete-offsets -d 'Delete offsets of a consumer group for some topics or partitions'
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -l all-groups -d 'Apply to all consumer groups'
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -l all-topics -d 'Reset offsets of all topics the group has committed offsets for'
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -l offsets -d 'With --describe: the offsets view (the default)'
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -l members -d 'With --describe: the members view'
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -l verbose -d 'More detail in --describe views'
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -l dry-run -d 'Only show what a reset would do (the default)'
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -l execute -d 'Apply the reset'
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -l export -d 'Print the reset plan as CSV'
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -l to-earliest -d 'Reset to the earliest offset'
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -l to-latest -d 'Reset to the latest offset'
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -l to-current -d 'Reset to the current committed offset'
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -l yes -d 'Do not ask for confirmation at a terminal before --execute or --delete'
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand consumer-groups" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand get-offsets" -l bootstrap-server -d 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2' -r
complete -c kbox -n "__fish_kbox_using_subcommand get-offsets" -l topic-partitions -d 'Comma separated topic-partition patterns: topic-regex(:N | :N-M | :N- | :-M)?' -r
complete -c kbox -n "__fish_kbox_using_subcommand get-offsets" -l topic -d 'The topic (a regular expression). All topics when absent' -r
complete -c kbox -n "__fish_kbox_using_subcommand get-offsets" -l partitions -d 'Comma separated partition ids' -r
complete -c kbox -n "__fish_kbox_using_subcommand get-offsets" -l time -d '-1 or latest / -2 or earliest / -3 or max-timestamp / -4 or earliest-local, or a timestamp (ms)' -r
complete -c kbox -n "__fish_kbox_using_subcommand get-offsets" -l command-config -d 'Property file with configs for the admin client' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand get-offsets" -l format -d 'Output format: Apache\'s text or JSON' -r -f -a "text\t''
json\t''"
complete -c kbox -n "__fish_kbox_using_subcommand get-offsets" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand get-offsets" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand get-offsets" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand get-offsets" -l exclude-internal-topics -d 'Leave out internal topics'
complete -c kbox -n "__fish_kbox_using_subcommand get-offsets" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand get-offsets" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand configs" -l bootstrap-server -d 'The Kafka server(s) to connect to' -r
complete -c kbox -n "__fish_kbox_using_subcommand configs" -l command-config -d 'Property file with configs for the admin client' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand configs" -l entity-type -d 'topics, brokers, broker-loggers, groups, users, clients or ips; users and clients may be given together (quotas of a user\'s client)' -r
complete -c kbox -n "__fish_kbox_using_subcommand configs" -l entity-name -d 'Name of the entity (topic name, broker id, group id, user name)' -r
complete -c kbox -n "__fish_kbox_using_subcommand configs" -l topic -d 'Shorthand for --entity-type topics --entity-name <topic>' -r
complete -c kbox -n "__fish_kbox_using_subcommand configs" -l broker -d 'Shorthand for --entity-type brokers --entity-name <id>' -r
complete -c kbox -n "__fish_kbox_using_subcommand configs" -l broker-logger -d 'Shorthand for --entity-type broker-loggers --entity-name <id>' -r
complete -c kbox -n "__fish_kbox_using_subcommand configs" -l group -d 'Shorthand for --entity-type groups --entity-name <group>' -r
complete -c kbox -n "__fish_kbox_using_subcommand configs" -l user -d 'Shorthand for --entity-type users --entity-name <user> (quotas, SCRAM credentials)' -r
complete -c kbox -n "__fish_kbox_using_subcommand configs" -l client -d 'Shorthand for --entity-type clients --entity-name <client id>' -r
complete -c kbox -n "__fish_kbox_using_subcommand configs" -l ip -d 'Shorthand for --entity-type ips --entity-name <ip>' -r
complete -c kbox -n "__fish_kbox_using_subcommand configs" -l add-config -d 'Configs to set: \'k1=v1,k2=[v1,v2,v2],k3=v3\'' -r
complete -c kbox -n "__fish_kbox_using_subcommand configs" -l add-config-file -d 'A properties file of configs to set' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand configs" -l delete-config -d 'Config names to remove: \'k1,k2\'' -r
complete -c kbox -n "__fish_kbox_using_subcommand configs" -l format -d 'Output format: Apache\'s text or JSON' -r -f -a "text\t''
json\t''"
complete -c kbox -n "__fish_kbox_using_subcommand configs" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand configs" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand configs" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand configs" -l describe -d 'List configs for the given entity'
complete -c kbox -n "__fish_kbox_using_subcommand configs" -l alter -d 'Alter the configuration of the entity'
complete -c kbox -n "__fish_kbox_using_subcommand configs" -l all -d 'With --describe: every config, not only the overrides'
complete -c kbox -n "__fish_kbox_using_subcommand configs" -l entity-default -d 'The cluster-wide default (brokers only)'
complete -c kbox -n "__fish_kbox_using_subcommand configs" -l broker-defaults -d 'Shorthand for --entity-type brokers --entity-default'
complete -c kbox -n "__fish_kbox_using_subcommand configs" -l user-defaults -d 'Shorthand for --entity-type users --entity-default'
complete -c kbox -n "__fish_kbox_using_subcommand configs" -l client-defaults -d 'Shorthand for --entity-type clients --entity-default'
complete -c kbox -n "__fish_kbox_using_subcommand configs" -l ip-defaults -d 'Shorthand for --entity-type ips --entity-default'
complete -c kbox -n "__fish_kbox_using_subcommand configs" -l force -d 'Suppress console prompts'
complete -c kbox -n "__fish_kbox_using_subcommand configs" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand configs" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand delete-records" -l bootstrap-server -d 'REQUIRED: the server to connect to' -r
complete -c kbox -n "__fish_kbox_using_subcommand delete-records" -l command-config -d 'Property file with configs for the admin client' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand delete-records" -l offset-json-file -d 'REQUIRED: {"partitions":[{"topic":"foo","partition":1,"offset":1}],"version":1}; offset -1 means the high watermark' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand delete-records" -l format -d 'Output format: Apache\'s text or JSON' -r -f -a "text\t''
json\t''"
complete -c kbox -n "__fish_kbox_using_subcommand delete-records" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand delete-records" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand delete-records" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand delete-records" -l yes -d 'Do not ask for confirmation at a terminal'
complete -c kbox -n "__fish_kbox_using_subcommand delete-records" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand delete-records" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand dump-log" -l files -d 'REQUIRED: The comma separated list of data and index log files to be dumped' -r
complete -c kbox -n "__fish_kbox_using_subcommand dump-log" -l max-message-size -d 'Size of the largest message (accepted for compatibility)' -r
complete -c kbox -n "__fish_kbox_using_subcommand dump-log" -l max-bytes -d 'Read at most this many bytes of each .log file' -r
complete -c kbox -n "__fish_kbox_using_subcommand dump-log" -l value-decoder-class -d 'Value decoder class; only the string decoder exists in kbox (UTF-8, lossy)' -r
complete -c kbox -n "__fish_kbox_using_subcommand dump-log" -l key-decoder-class -d 'Key decoder class; only the string decoder exists in kbox (UTF-8, lossy)' -r
complete -c kbox -n "__fish_kbox_using_subcommand dump-log" -l format -d 'Output format: Apache\'s text, or one JSON object per line for scripts' -r -f -a "text\t''
json\t''"
complete -c kbox -n "__fish_kbox_using_subcommand dump-log" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand dump-log" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand dump-log" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand dump-log" -l print-data-log -d 'Print the records\' contents (implied by any decoder option)'
complete -c kbox -n "__fish_kbox_using_subcommand dump-log" -l verify-index-only -d 'Just verify the index against the log without printing its content'
complete -c kbox -n "__fish_kbox_using_subcommand dump-log" -l index-sanity-check -d 'Just run the index sanity check the broker runs at start-up'
complete -c kbox -n "__fish_kbox_using_subcommand dump-log" -l deep-iteration -d 'Iterate over the records of each batch, not only the batches'
complete -c kbox -n "__fish_kbox_using_subcommand dump-log" -l offsets-decoder -d 'Decode records as `__consumer_offsets` keys and values'
complete -c kbox -n "__fish_kbox_using_subcommand dump-log" -l transaction-log-decoder -d 'Decode records as `__transaction_state` (not supported: kbox has no transactions)'
complete -c kbox -n "__fish_kbox_using_subcommand dump-log" -l cluster-metadata-decoder -d 'Decode records as cluster metadata (not supported)'
complete -c kbox -n "__fish_kbox_using_subcommand dump-log" -l remote-log-metadata-decoder -d 'Decode records as remote log metadata (not supported)'
complete -c kbox -n "__fish_kbox_using_subcommand dump-log" -l share-group-state-decoder -d 'Decode records as share group state (not supported)'
complete -c kbox -n "__fish_kbox_using_subcommand dump-log" -l skip-record-metadata -d 'Print only the record contents, not each record\'s offset, timestamp and sizes'
complete -c kbox -n "__fish_kbox_using_subcommand dump-log" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand dump-log" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand topics" -l bootstrap-server -d 'REQUIRED: The Kafka server to connect to' -r
complete -c kbox -n "__fish_kbox_using_subcommand topics" -l command-config -d 'Property file containing configs to be passed to Admin Client' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand topics" -l topic -d 'The topic to create, alter, describe or delete; a regular expression except with --create' -r
complete -c kbox -n "__fish_kbox_using_subcommand topics" -l topic-id -d 'The topic-id to describe' -r
complete -c kbox -n "__fish_kbox_using_subcommand topics" -l config -d 'A topic configuration override for the topic being created (name=value, repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand topics" -l delete-config -d 'No longer supported (deprecated since Apache Kafka 4.0)' -r
complete -c kbox -n "__fish_kbox_using_subcommand topics" -l partitions -d 'The number of partitions for the topic being created or altered' -r
complete -c kbox -n "__fish_kbox_using_subcommand topics" -l replication-factor -d 'The replication factor for each partition in the topic being created' -r
complete -c kbox -n "__fish_kbox_using_subcommand topics" -l replica-assignment -d 'Manual partition-to-broker assignments: b1:b2,b3:b4 (partition 0 on b1 and b2, ...)' -r
complete -c kbox -n "__fish_kbox_using_subcommand topics" -l partition-size-limit-per-response -d 'The maximum number of partitions in one DescribeTopicPartitions response' -r
complete -c kbox -n "__fish_kbox_using_subcommand topics" -l format -d 'Output format: Apache\'s text or JSON' -r -f -a "text\t''
json\t''"
complete -c kbox -n "__fish_kbox_using_subcommand topics" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand topics" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand topics" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand topics" -l list -d 'List all available topics'
complete -c kbox -n "__fish_kbox_using_subcommand topics" -l create -d 'Create a new topic'
complete -c kbox -n "__fish_kbox_using_subcommand topics" -l delete -d 'Delete a topic'
complete -c kbox -n "__fish_kbox_using_subcommand topics" -l alter -d 'Alter the number of partitions and replica assignment'
complete -c kbox -n "__fish_kbox_using_subcommand topics" -l describe -d 'List details for the given topics'
complete -c kbox -n "__fish_kbox_using_subcommand topics" -l under-replicated-partitions -d 'With --describe: only under-replicated partitions'
complete -c kbox -n "__fish_kbox_using_subcommand topics" -l unavailable-partitions -d 'With --describe: only partitions whose leader is not available'
complete -c kbox -n "__fish_kbox_using_subcommand topics" -l under-min-isr-partitions -d 'With --describe: only partitions whose ISR is smaller than min.insync.replicas'
complete -c kbox -n "__fish_kbox_using_subcommand topics" -l at-min-isr-partitions -d 'With --describe: only partitions whose ISR equals min.insync.replicas'
complete -c kbox -n "__fish_kbox_using_subcommand topics" -l topics-with-overrides -d 'With --describe: only topics that have overridden configs'
complete -c kbox -n "__fish_kbox_using_subcommand topics" -l if-exists -d 'With --alter, --delete or --describe: only act if the topic exists'
complete -c kbox -n "__fish_kbox_using_subcommand topics" -l if-not-exists -d 'With --create: only act if the topic does not exist yet'
complete -c kbox -n "__fish_kbox_using_subcommand topics" -l exclude-internal -d 'Exclude internal topics when listing or describing topics'
complete -c kbox -n "__fish_kbox_using_subcommand topics" -s y -l yes -d 'Delete without asking (kbox asks only when a person is at the terminal)'
complete -c kbox -n "__fish_kbox_using_subcommand topics" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand topics" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand console-producer" -l bootstrap-server -d 'REQUIRED: The server(s) to connect to' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-producer" -l topic -d 'REQUIRED: The topic to produce messages to' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-producer" -l producer-property -d 'Producer config properties (key=value), repeatable (old name of --command-property)' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-producer" -l command-property -d 'Producer config properties (key=value), repeatable' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-producer" -l producer.config -d 'Producer config properties file (old name of --command-config)' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand console-producer" -l command-config -d 'Producer config properties file' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand console-producer" -l property -d 'Line reader properties (parse.key, key.separator, parse.headers, ...), repeatable' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-producer" -l reader-property -d 'Line reader properties, repeatable (new name of --property)' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-producer" -l reader-config -d 'Line reader properties file' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand console-producer" -l compression-codec -d 'Compression: none, gzip, snappy, lz4 or zstd (gzip when given without a value)' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-producer" -l request-required-acks -d 'acks: -1/all, 0 or 1' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-producer" -l batch-size -d 'batch.size' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-producer" -l max-partition-memory-bytes -d 'batch.size (old name)' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-producer" -l timeout -d 'linger.ms: how long to wait for a batch to fill' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-producer" -l message-send-max-retries -d 'retries' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-producer" -l retry-backoff-ms -d 'retry.backoff.ms' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-producer" -l request-timeout-ms -d 'request.timeout.ms' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-producer" -l metadata-expiry-ms -d 'metadata.max.age.ms' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-producer" -l max-block-ms -d 'max.block.ms' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-producer" -l max-memory-bytes -d 'buffer.memory' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-producer" -l socket-buffer-size -d 'send.buffer.bytes (accepted; the OS default is used)' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-producer" -l line-reader -d 'The line reader class; only Apache\'s default LineMessageReader is built in' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-producer" -l transactional-id -d 'Send in transactions with this transactional.id (as perf-test\'s flag): each batch of lines read together is committed in one transaction' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-producer" -l transaction-duration-ms -d 'With transactions: keep each transaction open across input batches until it is this old (default: one transaction per batch of lines)' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-producer" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-producer" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-producer" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-producer" -l sync -d 'Send each record synchronously'
complete -c kbox -n "__fish_kbox_using_subcommand console-producer" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand console-producer" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand console-consumer" -l bootstrap-server -d 'REQUIRED: The server(s) to connect to' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-consumer" -l topic -d 'The topic to consume on' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-consumer" -l include -d 'Regular expression of the topics to consume (instead of --topic)' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-consumer" -l partition -d 'The partition to consume from (starts at the end unless --offset is given)' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-consumer" -l offset -d 'earliest, latest, or an offset; needs --partition' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-consumer" -l group -d 'The consumer group id' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-consumer" -l max-messages -d 'Exit after this many messages' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-consumer" -l timeout-ms -d 'Exit when no message arrived for this long (ms)' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-consumer" -l isolation-level -d 'read_committed or read_uncommitted' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-consumer" -l consumer-property -d 'Consumer config properties (key=value), repeatable' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-consumer" -l command-property -d 'Consumer config properties (key=value), repeatable' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-consumer" -l consumer.config -d 'Consumer config properties file' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand console-consumer" -l command-config -d 'Consumer config properties file' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand console-consumer" -l property -d 'Formatter properties (print.key=true, key.separator=..., ...), repeatable' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-consumer" -l formatter-property -d 'Formatter properties, repeatable (new name of --property)' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-consumer" -l formatter-config -d 'Formatter properties file' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand console-consumer" -l formatter -d 'The formatter class: DefaultMessageFormatter, LoggingMessageFormatter or NoOpMessageFormatter' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-consumer" -l key-deserializer -d 'Key deserializer class' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-consumer" -l value-deserializer -d 'Value deserializer class' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-consumer" -l print-format -d 'A kcat-style format string: %t %p %o %k %s %K %S %T %h, with \\n \\t escapes' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-consumer" -l format -d 'Output format: Apache\'s text or one JSON object per record' -r -f -a "text\t''
json\t''"
complete -c kbox -n "__fish_kbox_using_subcommand console-consumer" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-consumer" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-consumer" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand console-consumer" -l from-beginning -d 'Start with the earliest message when there is no committed offset'
complete -c kbox -n "__fish_kbox_using_subcommand console-consumer" -l skip-message-on-error -d 'Skip a message that cannot be printed instead of stopping'
complete -c kbox -n "__fish_kbox_using_subcommand console-consumer" -l enable-systest-events -d 'Log lifecycle events of the consumer (accepted for compatibility)'
complete -c kbox -n "__fish_kbox_using_subcommand console-consumer" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand console-consumer" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand mirror-maker" -l consumer.config -d 'REQUIRED: consumer properties for the source cluster (bootstrap.servers, group.id, ...)' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand mirror-maker" -l producer.config -d 'REQUIRED: producer properties for the target cluster (bootstrap.servers, ...)' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand mirror-maker" -l include -d 'Regular expression of the topics to mirror' -r
complete -c kbox -n "__fish_kbox_using_subcommand mirror-maker" -l num.streams -d 'Number of consumption streams (kbox uses one consumer and pipelines fetches instead)' -r
complete -c kbox -n "__fish_kbox_using_subcommand mirror-maker" -l offset.commit.interval.ms -d 'How often source offsets are committed (after the target acknowledged everything)' -r
complete -c kbox -n "__fish_kbox_using_subcommand mirror-maker" -l abort.on.send.failure -d 'Stop on the first record the target refuses (true), or log it and go on (false)' -r
complete -c kbox -n "__fish_kbox_using_subcommand mirror-maker" -l stats-interval -d 'Seconds between stats lines on stderr (0: none)' -r
complete -c kbox -n "__fish_kbox_using_subcommand mirror-maker" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand mirror-maker" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand mirror-maker" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand mirror-maker" -l no-create-topics -d 'Do not create missing topics on the target'
complete -c kbox -n "__fish_kbox_using_subcommand mirror-maker" -l sync-group-offsets -d 'Also translate the source\'s consumer-group offsets and commit them on the target at each offset commit (MirrorMaker 2\'s sync.group.offsets), so consumers can fail over'
complete -c kbox -n "__fish_kbox_using_subcommand mirror-maker" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand mirror-maker" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and not __fish_seen_subcommand_from producer consumer e2e help" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and not __fish_seen_subcommand_from producer consumer e2e help" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and not __fish_seen_subcommand_from producer consumer e2e help" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and not __fish_seen_subcommand_from producer consumer e2e help" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and not __fish_seen_subcommand_from producer consumer e2e help" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and not __fish_seen_subcommand_from producer consumer e2e help" -f -a "producer" -d 'kafka-producer-perf-test.sh: produce a fixed number of records and report throughput and latency'
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and not __fish_seen_subcommand_from producer consumer e2e help" -f -a "consumer" -d 'kafka-consumer-perf-test.sh: consume a number of records through a group'
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and not __fish_seen_subcommand_from producer consumer e2e help" -f -a "e2e" -d 'kafka-e2e-latency.sh: produce one record at a time and time its arrival at a consumer'
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and not __fish_seen_subcommand_from producer consumer e2e help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from producer" -l topic -d 'Produce records to this topic' -r
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from producer" -l num-records -d 'Number of records to produce' -r
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from producer" -l record-size -d 'Record size in bytes (one of --record-size, --payload-file, --payload-monotonic)' -r
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from producer" -l payload-file -d 'File of payloads to pick from at random, split by --payload-delimiter (UTF-8)' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from producer" -l payload-delimiter -d 'Delimiter of the payloads in --payload-file' -r
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from producer" -l throughput -d 'Throttle to about this many records/sec; -1 for no limit' -r
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from producer" -l producer-props -d 'Producer properties, key=value (override --producer.config)' -r
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from producer" -l producer.config -d 'Producer properties file' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from producer" -l command-property -d 'Producer property (KIP-1147 name of --producer-props); repeatable' -r
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from producer" -l command-config -d 'Producer properties file (KIP-1147 name of --producer.config)' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from producer" -l bootstrap-server -d 'The broker list (wins over properties)' -r
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from producer" -l transactional-id -d 'Run in transactions with this id' -r
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from producer" -l transaction-duration-ms -d 'Length of each transaction, with --transactional-id' -r
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from producer" -l warmup-records -d 'Records sent first and left out of the steady-state figures (KIP-1052)' -r
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from producer" -l format -d '`json` prints one summary object instead of Apache\'s lines' -r -f -a "text\t''
json\t''"
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from producer" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from producer" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from producer" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from producer" -l payload-monotonic -d 'Payload is the record\'s number, as text'
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from producer" -l print-metrics -d 'Print the client\'s metrics at the end'
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from producer" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from producer" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from consumer" -l bootstrap-server -d 'The broker list' -r
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from consumer" -l topic -d 'The topic to consume from' -r
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from consumer" -l include -d 'A regular expression of topics to consume (instead of --topic)' -r
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from consumer" -l messages -l num-records -d 'The number of records to consume' -r
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from consumer" -l group -d 'The group id to consume on' -r
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from consumer" -l fetch-size -d 'Bytes to fetch per partition per request (max.partition.fetch.bytes)' -r
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from consumer" -l socket-buffer-size -d 'Socket receive buffer (accepted for compatibility; the OS tunes it)' -r
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from consumer" -l consumer.config -d 'Consumer properties file' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from consumer" -l command-config -d 'Consumer properties file (KIP-1147 name of --consumer.config)' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from consumer" -l command-property -d 'A consumer property, key=value; repeatable' -r
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from consumer" -l reporting-interval -d 'Interval between detailed rows, ms' -r
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from consumer" -l timeout -d 'Give up when no record arrives for this long, ms' -r
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from consumer" -l date-format -d 'Java SimpleDateFormat pattern for the time columns' -r
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from consumer" -l format -d '`json` prints one summary object instead of Apache\'s lines' -r -f -a "text\t''
json\t''"
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from consumer" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from consumer" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from consumer" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from consumer" -l from-latest -d 'Start from the end of the topic when the group has no committed offset'
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from consumer" -l print-metrics -d 'Print the client\'s metrics at the end'
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from consumer" -l show-detailed-stats -d 'A row per reporting interval instead of one summary row'
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from consumer" -l hide-header -d 'Leave out the header line'
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from consumer" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from consumer" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from e2e" -l format -d '`json` prints one summary object instead of Apache\'s lines' -r -f -a "text\t''
json\t''"
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from e2e" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from e2e" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from e2e" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from e2e" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from e2e" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from help" -f -a "producer" -d 'kafka-producer-perf-test.sh: produce a fixed number of records and report throughput and latency'
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from help" -f -a "consumer" -d 'kafka-consumer-perf-test.sh: consume a number of records through a group'
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from help" -f -a "e2e" -d 'kafka-e2e-latency.sh: produce one record at a time and time its arrival at a consumer'
complete -c kbox -n "__fish_kbox_using_subcommand perf-test; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kbox -n "__fish_kbox_using_subcommand completions" -l generate-files -d 'Write every shell\'s script into DIR/completions and a man page per command into DIR/man (the checked-in files of a kbox checkout)' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand completions" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand completions" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand completions" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand completions" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand completions" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand broker-api-versions" -l bootstrap-server -d 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2' -r
complete -c kbox -n "__fish_kbox_using_subcommand broker-api-versions" -l command-config -d 'Property file with configs for the admin client' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand broker-api-versions" -l format -d 'Output format: Apache\'s text or JSON' -r -f -a "text\t''
json\t''"
complete -c kbox -n "__fish_kbox_using_subcommand broker-api-versions" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand broker-api-versions" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand broker-api-versions" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand broker-api-versions" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand broker-api-versions" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand cluster-id" -l bootstrap-server -d 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2' -r
complete -c kbox -n "__fish_kbox_using_subcommand cluster-id" -l config -l command-config -d 'Property file with configs for the admin client' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand cluster-id" -l format -d 'Output format: Apache\'s text or JSON' -r -f -a "text\t''
json\t''"
complete -c kbox -n "__fish_kbox_using_subcommand cluster-id" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand cluster-id" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand cluster-id" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand cluster-id" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand cluster-id" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand acls" -l bootstrap-server -d 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2' -r
complete -c kbox -n "__fish_kbox_using_subcommand acls" -l command-config -d 'A property file containing configs to be passed to the admin client' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand acls" -l topic -d 'Topic to which ACLs should be added or removed; \'*\' means all topics (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand acls" -l group -d 'Consumer group to which ACLs should be added or removed; \'*\' means all groups (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand acls" -l transactional-id -d 'Transactional id to which ACLs should be added or removed (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand acls" -l delegation-token -d 'Delegation token to which ACLs should be added or removed (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand acls" -l user-principal -d 'A user principal as a resource, for CreateTokens/DescribeTokens (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand acls" -l resource-pattern-type -d 'Pattern type: literal or prefixed when adding; also any or match when listing or removing [default: literal; any for --list]' -r
complete -c kbox -n "__fish_kbox_using_subcommand acls" -l operation -d 'Operation being allowed or denied: Read, Write, Create, Delete, Alter, Describe, ClusterAction, DescribeConfigs, AlterConfigs, IdempotentWrite, CreateTokens, DescribeTokens, All (repeatable) [default: All]' -r
complete -c kbox -n "__fish_kbox_using_subcommand acls" -l allow-principal -d 'Principal in principalType:name form, e.g. User:alice, or User:\'*\' (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand acls" -l deny-principal -d 'Principal to deny; deny rules take precedence over allow rules (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand acls" -l principal -d 'With --list: only the ACLs of this principal (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand acls" -l allow-host -d 'Host the allowed principals may connect from [default: * when --allow-principal]' -r
complete -c kbox -n "__fish_kbox_using_subcommand acls" -l deny-host -d 'Host the denied principals are denied from [default: * when --deny-principal]' -r
complete -c kbox -n "__fish_kbox_using_subcommand acls" -l format -d 'Output format for --list: Apache\'s text or JSON' -r -f -a "text\t''
json\t''"
complete -c kbox -n "__fish_kbox_using_subcommand acls" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand acls" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand acls" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand acls" -l add -d 'Indicates you are trying to add ACLs'
complete -c kbox -n "__fish_kbox_using_subcommand acls" -l remove -d 'Indicates you are trying to remove ACLs'
complete -c kbox -n "__fish_kbox_using_subcommand acls" -l list -d 'List ACLs for the specified resource (all ACLs when none is given)'
complete -c kbox -n "__fish_kbox_using_subcommand acls" -l cluster -d 'Add/Remove cluster ACLs'
complete -c kbox -n "__fish_kbox_using_subcommand acls" -l producer -d 'Producer role: WRITE, DESCRIBE and CREATE on the topics (WRITE, DESCRIBE on transactional ids; IDEMPOTENT_WRITE on the cluster with --idempotent)'
complete -c kbox -n "__fish_kbox_using_subcommand acls" -l consumer -d 'Consumer role: READ, DESCRIBE on the topics and READ on the groups'
complete -c kbox -n "__fish_kbox_using_subcommand acls" -l idempotent -d 'With --producer: also IDEMPOTENT_WRITE on the cluster'
complete -c kbox -n "__fish_kbox_using_subcommand acls" -l force -d 'Assume yes to all queries and do not prompt'
complete -c kbox -n "__fish_kbox_using_subcommand acls" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand acls" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand leader-election" -l bootstrap-server -d 'REQUIRED: host:port of a broker; several may be given, comma-separated' -r
complete -c kbox -n "__fish_kbox_using_subcommand leader-election" -l election-type -d 'REQUIRED: "PREFERRED" (only where the preferred replica does not lead) or "UNCLEAN" (only where no leader exists)' -r -f -a "PREFERRED\t''
UNCLEAN\t''"
complete -c kbox -n "__fish_kbox_using_subcommand leader-election" -l topic -d 'The topic of the partition to elect for (with --partition)' -r
complete -c kbox -n "__fish_kbox_using_subcommand leader-election" -l partition -d 'The partition to elect for; required with --topic' -r
complete -c kbox -n "__fish_kbox_using_subcommand leader-election" -l path-to-json-file -d 'JSON file of partitions: {"partitions": [{"topic": "foo", "partition": 1}]}' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand leader-election" -l admin.config -d '(Deprecated) Property file for the admin client; use --command-config' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand leader-election" -l command-config -d 'Property file for the admin client' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand leader-election" -l format -d 'Output format: Apache\'s text or JSON' -r -f -a "text\t''
json\t''"
complete -c kbox -n "__fish_kbox_using_subcommand leader-election" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand leader-election" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand leader-election" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand leader-election" -l all-topic-partitions -d 'Elect on every eligible partition'
complete -c kbox -n "__fish_kbox_using_subcommand leader-election" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand leader-election" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand reassign-partitions" -l bootstrap-server -d 'The server(s) to use for bootstrapping' -r
complete -c kbox -n "__fish_kbox_using_subcommand reassign-partitions" -l command-config -d 'Property file containing configs to be passed to the admin client' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand reassign-partitions" -l reassignment-json-file -d '{"partitions":[{"topic":"foo","partition":1,"replicas":[1,2,3],"log_dirs":["any","any","any"]}],"version":1}' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand reassign-partitions" -l topics-to-move-json-file -d '{"topics":[{"topic":"foo"},{"topic":"foo1"}],"version":1}' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand reassign-partitions" -l broker-list -d 'Brokers to move the partitions to, as "0,1,2" (with --generate)' -r
complete -c kbox -n "__fish_kbox_using_subcommand reassign-partitions" -l throttle -d 'Inter-broker throttle in bytes/sec while the partitions move (followers\' fetches of the moving replicas are held to it); --verify removes it once done' -r
complete -c kbox -n "__fish_kbox_using_subcommand reassign-partitions" -l replica-alter-log-dirs-throttle -d 'Log-dir move throttle in bytes/sec (accepted; kbox does not move replicas between log dirs)' -r
complete -c kbox -n "__fish_kbox_using_subcommand reassign-partitions" -l timeout -d 'Maximum time in ms to wait for log-dir moves to begin' -r
complete -c kbox -n "__fish_kbox_using_subcommand reassign-partitions" -l format -d 'Output format: Apache\'s text or JSON' -r -f -a "text\t''
json\t''"
complete -c kbox -n "__fish_kbox_using_subcommand reassign-partitions" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand reassign-partitions" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand reassign-partitions" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand reassign-partitions" -l generate -d 'Generate a candidate reassignment moving the topics of --topics-to-move-json-file to the brokers of --broker-list. Prints it; changes nothing'
complete -c kbox -n "__fish_kbox_using_subcommand reassign-partitions" -l execute -d 'Start the reassignment of --reassignment-json-file'
complete -c kbox -n "__fish_kbox_using_subcommand reassign-partitions" -l verify -d 'Check whether the reassignment of --reassignment-json-file completed'
complete -c kbox -n "__fish_kbox_using_subcommand reassign-partitions" -l cancel -d 'Cancel the active reassignment of --reassignment-json-file\'s partitions'
complete -c kbox -n "__fish_kbox_using_subcommand reassign-partitions" -l list -d 'List every active partition reassignment'
complete -c kbox -n "__fish_kbox_using_subcommand reassign-partitions" -l disable-rack-aware -d 'Ignore broker racks when generating'
complete -c kbox -n "__fish_kbox_using_subcommand reassign-partitions" -l additional -d 'Execute in addition to reassignments already running'
complete -c kbox -n "__fish_kbox_using_subcommand reassign-partitions" -l preserve-throttles -d 'Do not modify broker or topic throttles'
complete -c kbox -n "__fish_kbox_using_subcommand reassign-partitions" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand reassign-partitions" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and not __fish_seen_subcommand_from describe add-controller remove-controller help" -l bootstrap-server -d 'A comma-separated list of host:port pairs to use for establishing the connection to the Kafka cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and not __fish_seen_subcommand_from describe add-controller remove-controller help" -l bootstrap-controller -d 'A comma-separated list of host:port pairs to use for establishing the connection to the Kafka controllers' -r
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and not __fish_seen_subcommand_from describe add-controller remove-controller help" -l command-config -l config -d 'Property file containing configs to be passed to Admin Client. For add-controller, the file is used to specify the controller properties as well' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and not __fish_seen_subcommand_from describe add-controller remove-controller help" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and not __fish_seen_subcommand_from describe add-controller remove-controller help" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and not __fish_seen_subcommand_from describe add-controller remove-controller help" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and not __fish_seen_subcommand_from describe add-controller remove-controller help" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and not __fish_seen_subcommand_from describe add-controller remove-controller help" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and not __fish_seen_subcommand_from describe add-controller remove-controller help" -f -a "describe" -d 'Describe the metadata quorum info'
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and not __fish_seen_subcommand_from describe add-controller remove-controller help" -f -a "add-controller" -d 'Add a controller to the KRaft controller cluster'
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and not __fish_seen_subcommand_from describe add-controller remove-controller help" -f -a "remove-controller" -d 'Remove a controller from the KRaft controller cluster'
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and not __fish_seen_subcommand_from describe add-controller remove-controller help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and __fish_seen_subcommand_from describe" -l command-config -l config -d 'Property file containing configs to be passed to Admin Client. For add-controller, the file is used to specify the controller properties as well' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and __fish_seen_subcommand_from describe" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and __fish_seen_subcommand_from describe" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and __fish_seen_subcommand_from describe" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and __fish_seen_subcommand_from describe" -l status -d 'A short summary of the quorum status'
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and __fish_seen_subcommand_from describe" -l replication -d 'Detailed information about the status of replication'
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and __fish_seen_subcommand_from describe" -l human-readable -d 'Human-readable output (with --replication)'
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and __fish_seen_subcommand_from describe" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and __fish_seen_subcommand_from describe" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and __fish_seen_subcommand_from add-controller" -l command-config -l config -d 'Property file containing configs to be passed to Admin Client. For add-controller, the file is used to specify the controller properties as well' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and __fish_seen_subcommand_from add-controller" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and __fish_seen_subcommand_from add-controller" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and __fish_seen_subcommand_from add-controller" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and __fish_seen_subcommand_from add-controller" -l dry-run -d 'True if we should print what would be done, but not do it'
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and __fish_seen_subcommand_from add-controller" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and __fish_seen_subcommand_from add-controller" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and __fish_seen_subcommand_from remove-controller" -s i -l controller-id -d 'The id of the controller to remove' -r
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and __fish_seen_subcommand_from remove-controller" -s d -l controller-directory-id -d 'The directory ID of the controller to remove' -r
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and __fish_seen_subcommand_from remove-controller" -l command-config -l config -d 'Property file containing configs to be passed to Admin Client. For add-controller, the file is used to specify the controller properties as well' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and __fish_seen_subcommand_from remove-controller" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and __fish_seen_subcommand_from remove-controller" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and __fish_seen_subcommand_from remove-controller" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and __fish_seen_subcommand_from remove-controller" -l dry-run -d 'True if we should print what would be done, but not do it'
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and __fish_seen_subcommand_from remove-controller" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and __fish_seen_subcommand_from remove-controller" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and __fish_seen_subcommand_from help" -f -a "describe" -d 'Describe the metadata quorum info'
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and __fish_seen_subcommand_from help" -f -a "add-controller" -d 'Add a controller to the KRaft controller cluster'
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and __fish_seen_subcommand_from help" -f -a "remove-controller" -d 'Remove a controller from the KRaft controller cluster'
complete -c kbox -n "__fish_kbox_using_subcommand metadata-quorum; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kbox -n "__fish_kbox_using_subcommand log-dirs" -l bootstrap-server -d 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2' -r
complete -c kbox -n "__fish_kbox_using_subcommand log-dirs" -l broker-list -d 'Comma separated broker ids to query; all brokers when absent' -r
complete -c kbox -n "__fish_kbox_using_subcommand log-dirs" -l topic-list -d 'Comma separated topics to show; all topics when absent' -r
complete -c kbox -n "__fish_kbox_using_subcommand log-dirs" -l command-config -d 'Property file with configs for the admin client' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand log-dirs" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand log-dirs" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand log-dirs" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand log-dirs" -l describe -d 'Describe the log directories (the only action)'
complete -c kbox -n "__fish_kbox_using_subcommand log-dirs" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand log-dirs" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and not __fish_seen_subcommand_from list describe describe-producers abort find-hanging help" -l bootstrap-server -d 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2' -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and not __fish_seen_subcommand_from list describe describe-producers abort find-hanging help" -l command-config -d 'Property file with configs for the admin client' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and not __fish_seen_subcommand_from list describe describe-producers abort find-hanging help" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and not __fish_seen_subcommand_from list describe describe-producers abort find-hanging help" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and not __fish_seen_subcommand_from list describe describe-producers abort find-hanging help" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and not __fish_seen_subcommand_from list describe describe-producers abort find-hanging help" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and not __fish_seen_subcommand_from list describe describe-producers abort find-hanging help" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and not __fish_seen_subcommand_from list describe describe-producers abort find-hanging help" -f -a "list" -d 'List transactions'
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and not __fish_seen_subcommand_from list describe describe-producers abort find-hanging help" -f -a "describe" -d 'Describe the state of a transaction'
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and not __fish_seen_subcommand_from list describe describe-producers abort find-hanging help" -f -a "describe-producers" -d 'Describe the states of a partition\'s active producers'
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and not __fish_seen_subcommand_from list describe describe-producers abort find-hanging help" -f -a "abort" -d 'Abort a hanging transaction on a partition'
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and not __fish_seen_subcommand_from list describe describe-producers abort find-hanging help" -f -a "find-hanging" -d 'Find transactions open on partitions longer than the maximum transaction timeout that their coordinator no longer has ongoing there'
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and not __fish_seen_subcommand_from list describe describe-producers abort find-hanging help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from list" -l bootstrap-server -d 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2' -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from list" -l command-config -d 'Property file with configs for the admin client' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from list" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from list" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from list" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from describe" -l transactional-id -d 'The transactional id' -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from describe" -l bootstrap-server -d 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2' -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from describe" -l command-config -d 'Property file with configs for the admin client' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from describe" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from describe" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from describe" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from describe" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from describe" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from describe-producers" -l topic -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from describe-producers" -l partition -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from describe-producers" -l bootstrap-server -d 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2' -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from describe-producers" -l command-config -d 'Property file with configs for the admin client' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from describe-producers" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from describe-producers" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from describe-producers" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from describe-producers" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from describe-producers" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from abort" -l topic -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from abort" -l partition -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from abort" -l start-offset -d 'The first offset of the transaction to abort' -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from abort" -l producer-id -d 'The producer id (with --producer-epoch and --coordinator-epoch, instead of --start-offset)' -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from abort" -l producer-epoch -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from abort" -l coordinator-epoch -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from abort" -l bootstrap-server -d 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2' -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from abort" -l command-config -d 'Property file with configs for the admin client' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from abort" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from abort" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from abort" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from abort" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from abort" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from find-hanging" -l broker-id -d 'Look at every partition led by this broker' -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from find-hanging" -l topic -d 'Look at this topic\'s partitions' -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from find-hanging" -l partition -d 'With --topic: only this partition' -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from find-hanging" -l max-transaction-timeout -d 'Minutes after which an open transaction is suspect (the brokers\' transaction.max.timeout.ms)' -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from find-hanging" -l bootstrap-server -d 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2' -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from find-hanging" -l command-config -d 'Property file with configs for the admin client' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from find-hanging" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from find-hanging" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from find-hanging" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from find-hanging" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from find-hanging" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from help" -f -a "list" -d 'List transactions'
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from help" -f -a "describe" -d 'Describe the state of a transaction'
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from help" -f -a "describe-producers" -d 'Describe the states of a partition\'s active producers'
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from help" -f -a "abort" -d 'Abort a hanging transaction on a partition'
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from help" -f -a "find-hanging" -d 'Find transactions open on partitions longer than the maximum transaction timeout that their coordinator no longer has ongoing there'
complete -c kbox -n "__fish_kbox_using_subcommand transactions; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kbox -n "__fish_kbox_using_subcommand shell" -l bootstrap-server -d 'The cluster every command talks to (HOST1:PORT1,HOST2:PORT2)' -r
complete -c kbox -n "__fish_kbox_using_subcommand shell" -l command-config -d 'Client properties for the shell\'s own lookups (completion of topics and groups)' -r -F
complete -c kbox -n "__fish_kbox_using_subcommand shell" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand shell" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand shell" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand shell" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand shell" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand install-links" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand install-links" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand install-links" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand install-links" -l force -d 'Replace files or links that already exist under those names'
complete -c kbox -n "__fish_kbox_using_subcommand install-links" -s h -l help -d 'Print help'
complete -c kbox -n "__fish_kbox_using_subcommand install-links" -s V -l version -d 'Print version'
complete -c kbox -n "__fish_kbox_using_subcommand kcat" -l log-level -d 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides' -r
complete -c kbox -n "__fish_kbox_using_subcommand kcat" -l profile -d 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster' -r
complete -c kbox -n "__fish_kbox_using_subcommand kcat" -s X -d 'A client property, key=value, for every command that talks to a cluster (repeatable)' -r
complete -c kbox -n "__fish_kbox_using_subcommand help; and not __fish_seen_subcommand_from storage server-start server-stop consumer-groups get-offsets configs delete-records dump-log topics console-producer console-consumer mirror-maker perf-test completions broker-api-versions cluster-id acls leader-election reassign-partitions metadata-quorum log-dirs transactions shell install-links kcat help" -f -a "storage" -d 'Format and inspect log directories (kafka-storage.sh)'
complete -c kbox -n "__fish_kbox_using_subcommand help; and not __fish_seen_subcommand_from storage server-start server-stop consumer-groups get-offsets configs delete-records dump-log topics console-producer console-consumer mirror-maker perf-test completions broker-api-versions cluster-id acls leader-election reassign-partitions metadata-quorum log-dirs transactions shell install-links kcat help" -f -a "server-start" -d 'Run a broker (kafka-server-start.sh). With no config: a single local node on 127.0.0.1:9092'
complete -c kbox -n "__fish_kbox_using_subcommand help; and not __fish_seen_subcommand_from storage server-start server-stop consumer-groups get-offsets configs delete-records dump-log topics console-producer console-consumer mirror-maker perf-test completions broker-api-versions cluster-id acls leader-election reassign-partitions metadata-quorum log-dirs transactions shell install-links kcat help" -f -a "server-stop" -d 'Stop brokers started by kbox server-start (kafka-server-stop.sh)'
complete -c kbox -n "__fish_kbox_using_subcommand help; and not __fish_seen_subcommand_from storage server-start server-stop consumer-groups get-offsets configs delete-records dump-log topics console-producer console-consumer mirror-maker perf-test completions broker-api-versions cluster-id acls leader-election reassign-partitions metadata-quorum log-dirs transactions shell install-links kcat help" -f -a "consumer-groups" -d 'List, describe, delete consumer groups and reset their offsets (kafka-consumer-groups.sh)'
complete -c kbox -n "__fish_kbox_using_subcommand help; and not __fish_seen_subcommand_from storage server-start server-stop consumer-groups get-offsets configs delete-records dump-log topics console-producer console-consumer mirror-maker perf-test completions broker-api-versions cluster-id acls leader-election reassign-partitions metadata-quorum log-dirs transactions shell install-links kcat help" -f -a "get-offsets" -d 'Print topic-partition offsets (kafka-get-offsets.sh)'
complete -c kbox -n "__fish_kbox_using_subcommand help; and not __fish_seen_subcommand_from storage server-start server-stop consumer-groups get-offsets configs delete-records dump-log topics console-producer console-consumer mirror-maker perf-test completions broker-api-versions cluster-id acls leader-election reassign-partitions metadata-quorum log-dirs transactions shell install-links kcat help" -f -a "configs" -d 'Describe and alter topic, broker and group configs (kafka-configs.sh)'
complete -c kbox -n "__fish_kbox_using_subcommand help; and not __fish_seen_subcommand_from storage server-start server-stop consumer-groups get-offsets configs delete-records dump-log topics console-producer console-consumer mirror-maker perf-test completions broker-api-versions cluster-id acls leader-election reassign-partitions metadata-quorum log-dirs transactions shell install-links kcat help" -f -a "delete-records" -d 'Delete records before given offsets (kafka-delete-records.sh)'
complete -c kbox -n "__fish_kbox_using_subcommand help; and not __fish_seen_subcommand_from storage server-start server-stop consumer-groups get-offsets configs delete-records dump-log topics console-producer console-consumer mirror-maker perf-test completions broker-api-versions cluster-id acls leader-election reassign-partitions metadata-quorum log-dirs transactions shell install-links kcat help" -f -a "dump-log" -d 'Print the batches, records and index entries of log segment files (kafka-dump-log.sh)'
complete -c kbox -n "__fish_kbox_using_subcommand help; and not __fish_seen_subcommand_from storage server-start server-stop consumer-groups get-offsets configs delete-records dump-log topics console-producer console-consumer mirror-maker perf-test completions broker-api-versions cluster-id acls leader-election reassign-partitions metadata-quorum log-dirs transactions shell install-links kcat help" -f -a "topics" -d 'Create, list, describe, alter and delete topics (kafka-topics.sh)'
complete -c kbox -n "__fish_kbox_using_subcommand help; and not __fish_seen_subcommand_from storage server-start server-stop consumer-groups get-offsets configs delete-records dump-log topics console-producer console-consumer mirror-maker perf-test completions broker-api-versions cluster-id acls leader-election reassign-partitions metadata-quorum log-dirs transactions shell install-links kcat help" -f -a "console-producer" -d 'Read lines from stdin and produce them as records (kafka-console-producer.sh)'
complete -c kbox -n "__fish_kbox_using_subcommand help; and not __fish_seen_subcommand_from storage server-start server-stop consumer-groups get-offsets configs delete-records dump-log topics console-producer console-consumer mirror-maker perf-test completions broker-api-versions cluster-id acls leader-election reassign-partitions metadata-quorum log-dirs transactions shell install-links kcat help" -f -a "console-consumer" -d 'Print records to stdout (kafka-console-consumer.sh)'
complete -c kbox -n "__fish_kbox_using_subcommand help; and not __fish_seen_subcommand_from storage server-start server-stop consumer-groups get-offsets configs delete-records dump-log topics console-producer console-consumer mirror-maker perf-test completions broker-api-versions cluster-id acls leader-election reassign-partitions metadata-quorum log-dirs transactions shell install-links kcat help" -f -a "mirror-maker" -d 'Copy topics from one cluster to another (kafka-mirror-maker.sh)'
complete -c kbox -n "__fish_kbox_using_subcommand help; and not __fish_seen_subcommand_from storage server-start server-stop consumer-groups get-offsets configs delete-records dump-log topics console-producer console-consumer mirror-maker perf-test completions broker-api-versions cluster-id acls leader-election reassign-partitions metadata-quorum log-dirs transactions shell install-links kcat help" -f -a "perf-test" -d 'Measure producer, consumer and end-to-end performance (Apache\'s perf tools)'
complete -c kbox -n "__fish_kbox_using_subcommand help; and not __fish_seen_subcommand_from storage server-start server-stop consumer-groups get-offsets configs delete-records dump-log topics console-producer console-consumer mirror-maker perf-test completions broker-api-versions cluster-id acls leader-election reassign-partitions metadata-quorum log-dirs transactions shell install-links kcat help" -f -a "completions" -d 'Print a shell completion script (bash, zsh, fish, powershell, elvish)'
complete -c kbox -n "__fish_kbox_using_subcommand help; and not __fish_seen_subcommand_from storage server-start server-stop consumer-groups get-offsets configs delete-records dump-log topics console-producer console-consumer mirror-maker perf-test completions broker-api-versions cluster-id acls leader-election reassign-partitions metadata-quorum log-dirs transactions shell install-links kcat help" -f -a "broker-api-versions" -d 'kafka-broker-api-versions.sh: the API versions each broker supports'
complete -c kbox -n "__fish_kbox_using_subcommand help; and not __fish_seen_subcommand_from storage server-start server-stop consumer-groups get-offsets configs delete-records dump-log topics console-producer console-consumer mirror-maker perf-test completions broker-api-versions cluster-id acls leader-election reassign-partitions metadata-quorum log-dirs transactions shell install-links kcat help" -f -a "cluster-id" -d 'kafka-cluster.sh cluster-id: print the cluster\'s id'
complete -c kbox -n "__fish_kbox_using_subcommand help; and not __fish_seen_subcommand_from storage server-start server-stop consumer-groups get-offsets configs delete-records dump-log topics console-producer console-consumer mirror-maker perf-test completions broker-api-versions cluster-id acls leader-election reassign-partitions metadata-quorum log-dirs transactions shell install-links kcat help" -f -a "acls" -d 'kafka-acls.sh: add, remove and list ACLs'
complete -c kbox -n "__fish_kbox_using_subcommand help; and not __fish_seen_subcommand_from storage server-start server-stop consumer-groups get-offsets configs delete-records dump-log topics console-producer console-consumer mirror-maker perf-test completions broker-api-versions cluster-id acls leader-election reassign-partitions metadata-quorum log-dirs transactions shell install-links kcat help" -f -a "leader-election" -d 'kafka-leader-election.sh: preferred or unclean leader election'
complete -c kbox -n "__fish_kbox_using_subcommand help; and not __fish_seen_subcommand_from storage server-start server-stop consumer-groups get-offsets configs delete-records dump-log topics console-producer console-consumer mirror-maker perf-test completions broker-api-versions cluster-id acls leader-election reassign-partitions metadata-quorum log-dirs transactions shell install-links kcat help" -f -a "reassign-partitions" -d 'kafka-reassign-partitions.sh: move partitions to other brokers'
complete -c kbox -n "__fish_kbox_using_subcommand help; and not __fish_seen_subcommand_from storage server-start server-stop consumer-groups get-offsets configs delete-records dump-log topics console-producer console-consumer mirror-maker perf-test completions broker-api-versions cluster-id acls leader-election reassign-partitions metadata-quorum log-dirs transactions shell install-links kcat help" -f -a "metadata-quorum" -d 'kafka-metadata-quorum.sh: the controller quorum\'s status and replication'
complete -c kbox -n "__fish_kbox_using_subcommand help; and not __fish_seen_subcommand_from storage server-start server-stop consumer-groups get-offsets configs delete-records dump-log topics console-producer console-consumer mirror-maker perf-test completions broker-api-versions cluster-id acls leader-election reassign-partitions metadata-quorum log-dirs transactions shell install-links kcat help" -f -a "log-dirs" -d 'kafka-log-dirs.sh: log directories and partition sizes per broker'
complete -c kbox -n "__fish_kbox_using_subcommand help; and not __fish_seen_subcommand_from storage server-start server-stop consumer-groups get-offsets configs delete-records dump-log topics console-producer console-consumer mirror-maker perf-test completions broker-api-versions cluster-id acls leader-election reassign-partitions metadata-quorum log-dirs transactions shell install-links kcat help" -f -a "transactions" -d 'kafka-transactions.sh: list, describe, find hanging and abort transactions'
complete -c kbox -n "__fish_kbox_using_subcommand help; and not __fish_seen_subcommand_from storage server-start server-stop consumer-groups get-offsets configs delete-records dump-log topics console-producer console-consumer mirror-maker perf-test completions broker-api-versions cluster-id acls leader-election reassign-partitions metadata-quorum log-dirs transactions shell install-links kcat help" -f -a "shell" -d 'An interactive prompt running kbox commands against one cluster'
complete -c kbox -n "__fish_kbox_using_subcommand help; and not __fish_seen_subcommand_from storage server-start server-stop consumer-groups get-offsets configs delete-records dump-log topics console-producer console-consumer mirror-maker perf-test completions broker-api-versions cluster-id acls leader-election reassign-partitions metadata-quorum log-dirs transactions shell install-links kcat help" -f -a "install-links" -d 'Create a link for every Apache tool name (and kcat) kbox answers to'
complete -c kbox -n "__fish_kbox_using_subcommand help; and not __fish_seen_subcommand_from storage server-start server-stop consumer-groups get-offsets configs delete-records dump-log topics console-producer console-consumer mirror-maker perf-test completions broker-api-versions cluster-id acls leader-election reassign-partitions metadata-quorum log-dirs transactions shell install-links kcat help" -f -a "kcat" -d 'kcat: produce, consume, list metadata, query offsets, with kcat\'s flags and output'
complete -c kbox -n "__fish_kbox_using_subcommand help; and not __fish_seen_subcommand_from storage server-start server-stop consumer-groups get-offsets configs delete-records dump-log topics console-producer console-consumer mirror-maker perf-test completions broker-api-versions cluster-id acls leader-election reassign-partitions metadata-quorum log-dirs transactions shell install-links kcat help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c kbox -n "__fish_kbox_using_subcommand help; and __fish_seen_subcommand_from storage" -f -a "random-uuid" -d 'Print a new random cluster id (22 base64 characters)'
complete -c kbox -n "__fish_kbox_using_subcommand help; and __fish_seen_subcommand_from storage" -f -a "format" -d 'Write meta.properties into every log directory of a config'
complete -c kbox -n "__fish_kbox_using_subcommand help; and __fish_seen_subcommand_from storage" -f -a "info" -d 'Show the log directories of a config and any problem with them'
complete -c kbox -n "__fish_kbox_using_subcommand help; and __fish_seen_subcommand_from perf-test" -f -a "producer" -d 'kafka-producer-perf-test.sh: produce a fixed number of records and report throughput and latency'
complete -c kbox -n "__fish_kbox_using_subcommand help; and __fish_seen_subcommand_from perf-test" -f -a "consumer" -d 'kafka-consumer-perf-test.sh: consume a number of records through a group'
complete -c kbox -n "__fish_kbox_using_subcommand help; and __fish_seen_subcommand_from perf-test" -f -a "e2e" -d 'kafka-e2e-latency.sh: produce one record at a time and time its arrival at a consumer'
complete -c kbox -n "__fish_kbox_using_subcommand help; and __fish_seen_subcommand_from metadata-quorum" -f -a "describe" -d 'Describe the metadata quorum info'
complete -c kbox -n "__fish_kbox_using_subcommand help; and __fish_seen_subcommand_from metadata-quorum" -f -a "add-controller" -d 'Add a controller to the KRaft controller cluster'
complete -c kbox -n "__fish_kbox_using_subcommand help; and __fish_seen_subcommand_from metadata-quorum" -f -a "remove-controller" -d 'Remove a controller from the KRaft controller cluster'
complete -c kbox -n "__fish_kbox_using_subcommand help; and __fish_seen_subcommand_from transactions" -f -a "list" -d 'List transactions'
complete -c kbox -n "__fish_kbox_using_subcommand help; and __fish_seen_subcommand_from transactions" -f -a "describe" -d 'Describe the state of a transaction'
complete -c kbox -n "__fish_kbox_using_subcommand help; and __fish_seen_subcommand_from transactions" -f -a "describe-producers" -d 'Describe the states of a partition\'s active producers'
complete -c kbox -n "__fish_kbox_using_subcommand help; and __fish_seen_subcommand_from transactions" -f -a "abort" -d 'Abort a hanging transaction on a partition'
complete -c kbox -n "__fish_kbox_using_subcommand help; and __fish_seen_subcommand_from transactions" -f -a "find-hanging" -d 'Find transactions open on partitions longer than the maximum transaction timeout that their coordinator no longer has ongoing there'
