
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'kbox' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'kbox'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'kbox' {
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('storage', 'storage', [CompletionResultType]::ParameterValue, 'Format and inspect log directories (kafka-storage.sh)')
            [CompletionResult]::new('server-start', 'server-start', [CompletionResultType]::ParameterValue, 'Run a broker (kafka-server-start.sh). With no config: a single local node on 127.0.0.1:9092')
            [CompletionResult]::new('server-stop', 'server-stop', [CompletionResultType]::ParameterValue, 'Stop brokers started by kbox server-start (kafka-server-stop.sh)')
            [CompletionResult]::new('consumer-groups', 'consumer-groups', [CompletionResultType]::ParameterValue, 'List, describe, delete consumer groups and reset their offsets (kafka-consumer-groups.sh)')
            [CompletionResult]::new('get-offsets', 'get-offsets', [CompletionResultType]::ParameterValue, 'Print topic-partition offsets (kafka-get-offsets.sh)')
            [CompletionResult]::new('configs', 'configs', [CompletionResultType]::ParameterValue, 'Describe and alter topic, broker and group configs (kafka-configs.sh)')
            [CompletionResult]::new('delete-records', 'delete-records', [CompletionResultType]::ParameterValue, 'Delete records before given offsets (kafka-delete-records.sh)')
            [CompletionResult]::new('dump-log', 'dump-log', [CompletionResultType]::ParameterValue, 'Print the batches, records and index entries of log segment files (kafka-dump-log.sh)')
            [CompletionResult]::new('topics', 'topics', [CompletionResultType]::ParameterValue, 'Create, list, describe, alter and delete topics (kafka-topics.sh)')
            [CompletionResult]::new('console-producer', 'console-producer', [CompletionResultType]::ParameterValue, 'Read lines from stdin and produce them as records (kafka-console-producer.sh)')
            [CompletionResult]::new('console-consumer', 'console-consumer', [CompletionResultType]::ParameterValue, 'Print records to stdout (kafka-console-consumer.sh)')
            [CompletionResult]::new('mirror-maker', 'mirror-maker', [CompletionResultType]::ParameterValue, 'Copy topics from one cluster to another (kafka-mirror-maker.sh)')
            [CompletionResult]::new('perf-test', 'perf-test', [CompletionResultType]::ParameterValue, 'Measure producer, consumer and end-to-end performance (Apache''s perf tools)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (bash, zsh, fish, powershell, elvish)')
            [CompletionResult]::new('broker-api-versions', 'broker-api-versions', [CompletionResultType]::ParameterValue, 'kafka-broker-api-versions.sh: the API versions each broker supports')
            [CompletionResult]::new('cluster-id', 'cluster-id', [CompletionResultType]::ParameterValue, 'kafka-cluster.sh cluster-id: print the cluster''s id')
            [CompletionResult]::new('acls', 'acls', [CompletionResultType]::ParameterValue, 'kafka-acls.sh: add, remove and list ACLs')
            [CompletionResult]::new('leader-election', 'leader-election', [CompletionResultType]::ParameterValue, 'kafka-leader-election.sh: preferred or unclean leader election')
            [CompletionResult]::new('reassign-partitions', 'reassign-partitions', [CompletionResultType]::ParameterValue, 'kafka-reassign-partitions.sh: move partitions to other brokers')
            [CompletionResult]::new('metadata-quorum', 'metadata-quorum', [CompletionResultType]::ParameterValue, 'kafka-metadata-quorum.sh: the controller quorum''s status and replication')
            [CompletionResult]::new('log-dirs', 'log-dirs', [CompletionResultType]::ParameterValue, 'kafka-log-dirs.sh: log directories and partition sizes per broker')
            [CompletionResult]::new('transactions', 'transactions', [CompletionResultType]::ParameterValue, 'kafka-transactions.sh: list, describe, find hanging and abort transactions')
            [CompletionResult]::new('shell', 'shell', [CompletionResultType]::ParameterValue, 'An interactive prompt running kbox commands against one cluster')
            [CompletionResult]::new('install-links', 'install-links', [CompletionResultType]::ParameterValue, 'Create a link for every Apache tool name (and kcat) kbox answers to')
            [CompletionResult]::new('kcat', 'kcat', [CompletionResultType]::ParameterValue, 'kcat: produce, consume, list metadata, query offsets, with kcat''s flags and output')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kbox;storage' {
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('random-uuid', 'random-uuid', [CompletionResultType]::ParameterValue, 'Print a new random cluster id (22 base64 characters)')
            [CompletionResult]::new('format', 'format', [CompletionResultType]::ParameterValue, 'Write meta.properties into every log directory of a config')
            [CompletionResult]::new('info', 'info', [CompletionResultType]::ParameterValue, 'Show the log directories of a config and any problem with them')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kbox;storage;random-uuid' {
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kbox;storage;format' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'The server.properties of the node')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The server.properties of the node')
            [CompletionResult]::new('-t', '-t', [CompletionResultType]::ParameterName, 'The cluster id (from `kbox storage random-uuid`)')
            [CompletionResult]::new('--cluster-id', '--cluster-id', [CompletionResultType]::ParameterName, 'The cluster id (from `kbox storage random-uuid`)')
            [CompletionResult]::new('-I', '-I ', [CompletionResultType]::ParameterName, 'The initial controllers of a dynamic quorum: id@host:port:directory-id,...')
            [CompletionResult]::new('--initial-controllers', '--initial-controllers', [CompletionResultType]::ParameterName, 'The initial controllers of a dynamic quorum: id@host:port:directory-id,...')
            [CompletionResult]::new('-S', '-S ', [CompletionResultType]::ParameterName, 'A SCRAM credential to create: ''SCRAM-SHA-256=[name=alice,password=alice-secret]'' (also iterations=, or salt= and saltedpassword= in base64). May be repeated')
            [CompletionResult]::new('--add-scram', '--add-scram', [CompletionResultType]::ParameterName, 'A SCRAM credential to create: ''SCRAM-SHA-256=[name=alice,password=alice-secret]'' (also iterations=, or salt= and saltedpassword= in base64). May be repeated')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('-g', '-g', [CompletionResultType]::ParameterName, 'Skip directories that are already formatted instead of failing')
            [CompletionResult]::new('--ignore-formatted', '--ignore-formatted', [CompletionResultType]::ParameterName, 'Skip directories that are already formatted instead of failing')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Format a single-node dynamic controller quorum with this node as its voter')
            [CompletionResult]::new('--standalone', '--standalone', [CompletionResultType]::ParameterName, 'Format a single-node dynamic controller quorum with this node as its voter')
            [CompletionResult]::new('-N', '-N ', [CompletionResultType]::ParameterName, 'Do not write initial controllers (a controller joining an existing quorum)')
            [CompletionResult]::new('--no-initial-controllers', '--no-initial-controllers', [CompletionResultType]::ParameterName, 'Do not write initial controllers (a controller joining an existing quorum)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kbox;storage;info' {
            [CompletionResult]::new('-c', '-c', [CompletionResultType]::ParameterName, 'c')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'config')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: Apache''s text or JSON')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kbox;storage;help' {
            [CompletionResult]::new('random-uuid', 'random-uuid', [CompletionResultType]::ParameterValue, 'Print a new random cluster id (22 base64 characters)')
            [CompletionResult]::new('format', 'format', [CompletionResultType]::ParameterValue, 'Write meta.properties into every log directory of a config')
            [CompletionResult]::new('info', 'info', [CompletionResultType]::ParameterValue, 'Show the log directories of a config and any problem with them')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kbox;storage;help;random-uuid' {
            break
        }
        'kbox;storage;help;format' {
            break
        }
        'kbox;storage;help;info' {
            break
        }
        'kbox;storage;help;help' {
            break
        }
        'kbox;server-start' {
            [CompletionResult]::new('--override', '--override', [CompletionResultType]::ParameterName, 'Override a property of the config file: --override key=value (repeatable)')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Embedded default only: the address to listen on')
            [CompletionResult]::new('--data-dir', '--data-dir', [CompletionResultType]::ParameterName, 'Embedded default only: where data lives [default: $KBOX_DATA_DIR, else ~/.local/share/kbox/data]')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('--daemon', '--daemon', [CompletionResultType]::ParameterName, 'Run in the background, logging to $LOG_DIR/kafkaServer.out (Apache''s -daemon)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kbox;server-stop' {
            [CompletionResult]::new('--node-id', '--node-id', [CompletionResultType]::ParameterName, 'Stop only the node with this node.id')
            [CompletionResult]::new('--process-role', '--process-role', [CompletionResultType]::ParameterName, 'Stop only nodes with this role (broker or controller)')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kbox;consumer-groups' {
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'REQUIRED: the server(s) to connect to')
            [CompletionResult]::new('--command-config', '--command-config', [CompletionResultType]::ParameterName, 'Property file with configs for the admin client')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'The consumer group(s) to act on')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Topic scope: `topic` or `topic:0,1` (repeatable)')
            [CompletionResult]::new('--state', '--state', [CompletionResultType]::ParameterName, 'With --describe: the group state; with --list: a STATE column, optionally filtered (comma-separated states)')
            [CompletionResult]::new('--type', '--type', [CompletionResultType]::ParameterName, 'With --list: a TYPE column, optionally filtered (classic, consumer)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Timeout (ms) for some calls')
            [CompletionResult]::new('--to-offset', '--to-offset', [CompletionResultType]::ParameterName, 'Reset to this offset')
            [CompletionResult]::new('--shift-by', '--shift-by', [CompletionResultType]::ParameterName, 'Shift the committed offset by n (may be negative)')
            [CompletionResult]::new('--to-datetime', '--to-datetime', [CompletionResultType]::ParameterName, 'Reset to the first offset at or after a time: YYYY-MM-DDTHH:mm:SS.sss[Z|+hh:mm]')
            [CompletionResult]::new('--by-duration', '--by-duration', [CompletionResultType]::ParameterName, 'Reset to the first offset at or after now minus a duration: PnDTnHnMnS')
            [CompletionResult]::new('--from-file', '--from-file', [CompletionResultType]::ParameterName, 'Reset to the offsets in a CSV file (topic,partition,offset or group,topic,partition,offset)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: Apache''s text or JSON')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('--list', '--list', [CompletionResultType]::ParameterName, 'List all consumer groups')
            [CompletionResult]::new('--describe', '--describe', [CompletionResultType]::ParameterName, 'Describe consumer group(s) and list offset lag (number of messages not yet processed)')
            [CompletionResult]::new('--delete', '--delete', [CompletionResultType]::ParameterName, 'Delete consumer group(s)')
            [CompletionResult]::new('--reset-offsets', '--reset-offsets', [CompletionResultType]::ParameterName, 'Reset offsets of a consumer group (one group at a time; the group must be inactive)')
            [CompletionResult]::new('--delete-offsets', '--delete-offsets', [CompletionResultType]::ParameterName, 'Delete offsets of a consumer group for some topics or partitions')
            [CompletionResult]::new('--all-groups', '--all-groups', [CompletionResultType]::ParameterName, 'Apply to all consumer groups')
            [CompletionResult]::new('--all-topics', '--all-topics', [CompletionResultType]::ParameterName, 'Reset offsets of all topics the group has committed offsets for')
            [CompletionResult]::new('--offsets', '--offsets', [CompletionResultType]::ParameterName, 'With --describe: the offsets view (the default)')
            [CompletionResult]::new('--members', '--members', [CompletionResultType]::ParameterName, 'With --describe: the members view')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More detail in --describe views')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Only show what a reset would do (the default)')
            [CompletionResult]::new('--execute', '--execute', [CompletionResultType]::ParameterName, 'Apply the reset')
            [CompletionResult]::new('--export', '--export', [CompletionResultType]::ParameterName, 'Print the reset plan as CSV')
            [CompletionResult]::new('--to-earliest', '--to-earliest', [CompletionResultType]::ParameterName, 'Reset to the earliest offset')
            [CompletionResult]::new('--to-latest', '--to-latest', [CompletionResultType]::ParameterName, 'Reset to the latest offset')
            [CompletionResult]::new('--to-current', '--to-current', [CompletionResultType]::ParameterName, 'Reset to the current committed offset')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation at a terminal before --execute or --delete')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kbox;get-offsets' {
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2')
            [CompletionResult]::new('--topic-partitions', '--topic-partitions', [CompletionResultType]::ParameterName, 'Comma separated topic-partition patterns: topic-regex(:N | :N-M | :N- | :-M)?')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'The topic (a regular expression). All topics when absent')
            [CompletionResult]::new('--partitions', '--partitions', [CompletionResultType]::ParameterName, 'Comma separated partition ids')
            [CompletionResult]::new('--time', '--time', [CompletionResultType]::ParameterName, '-1 or latest / -2 or earliest / -3 or max-timestamp / -4 or earliest-local, or a timestamp (ms)')
            [CompletionResult]::new('--command-config', '--command-config', [CompletionResultType]::ParameterName, 'Property file with configs for the admin client')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: Apache''s text or JSON')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('--exclude-internal-topics', '--exclude-internal-topics', [CompletionResultType]::ParameterName, 'Leave out internal topics')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kbox;configs' {
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'The Kafka server(s) to connect to')
            [CompletionResult]::new('--command-config', '--command-config', [CompletionResultType]::ParameterName, 'Property file with configs for the admin client')
            [CompletionResult]::new('--entity-type', '--entity-type', [CompletionResultType]::ParameterName, 'topics, brokers, broker-loggers, groups, users, clients or ips; users and clients may be given together (quotas of a user''s client)')
            [CompletionResult]::new('--entity-name', '--entity-name', [CompletionResultType]::ParameterName, 'Name of the entity (topic name, broker id, group id, user name)')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Shorthand for --entity-type topics --entity-name <topic>')
            [CompletionResult]::new('--broker', '--broker', [CompletionResultType]::ParameterName, 'Shorthand for --entity-type brokers --entity-name <id>')
            [CompletionResult]::new('--broker-logger', '--broker-logger', [CompletionResultType]::ParameterName, 'Shorthand for --entity-type broker-loggers --entity-name <id>')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'Shorthand for --entity-type groups --entity-name <group>')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Shorthand for --entity-type users --entity-name <user> (quotas, SCRAM credentials)')
            [CompletionResult]::new('--client', '--client', [CompletionResultType]::ParameterName, 'Shorthand for --entity-type clients --entity-name <client id>')
            [CompletionResult]::new('--ip', '--ip', [CompletionResultType]::ParameterName, 'Shorthand for --entity-type ips --entity-name <ip>')
            [CompletionResult]::new('--add-config', '--add-config', [CompletionResultType]::ParameterName, 'Configs to set: ''k1=v1,k2=[v1,v2,v2],k3=v3''')
            [CompletionResult]::new('--add-config-file', '--add-config-file', [CompletionResultType]::ParameterName, 'A properties file of configs to set')
            [CompletionResult]::new('--delete-config', '--delete-config', [CompletionResultType]::ParameterName, 'Config names to remove: ''k1,k2''')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: Apache''s text or JSON')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('--describe', '--describe', [CompletionResultType]::ParameterName, 'List configs for the given entity')
            [CompletionResult]::new('--alter', '--alter', [CompletionResultType]::ParameterName, 'Alter the configuration of the entity')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'With --describe: every config, not only the overrides')
            [CompletionResult]::new('--entity-default', '--entity-default', [CompletionResultType]::ParameterName, 'The cluster-wide default (brokers only)')
            [CompletionResult]::new('--broker-defaults', '--broker-defaults', [CompletionResultType]::ParameterName, 'Shorthand for --entity-type brokers --entity-default')
            [CompletionResult]::new('--user-defaults', '--user-defaults', [CompletionResultType]::ParameterName, 'Shorthand for --entity-type users --entity-default')
            [CompletionResult]::new('--client-defaults', '--client-defaults', [CompletionResultType]::ParameterName, 'Shorthand for --entity-type clients --entity-default')
            [CompletionResult]::new('--ip-defaults', '--ip-defaults', [CompletionResultType]::ParameterName, 'Shorthand for --entity-type ips --entity-default')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Suppress console prompts')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kbox;delete-records' {
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'REQUIRED: the server to connect to')
            [CompletionResult]::new('--command-config', '--command-config', [CompletionResultType]::ParameterName, 'Property file with configs for the admin client')
            [CompletionResult]::new('--offset-json-file', '--offset-json-file', [CompletionResultType]::ParameterName, 'REQUIRED: {"partitions":[{"topic":"foo","partition":1,"offset":1}],"version":1}; offset -1 means the high watermark')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: Apache''s text or JSON')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation at a terminal')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kbox;dump-log' {
            [CompletionResult]::new('--files', '--files', [CompletionResultType]::ParameterName, 'REQUIRED: The comma separated list of data and index log files to be dumped')
            [CompletionResult]::new('--max-message-size', '--max-message-size', [CompletionResultType]::ParameterName, 'Size of the largest message (accepted for compatibility)')
            [CompletionResult]::new('--max-bytes', '--max-bytes', [CompletionResultType]::ParameterName, 'Read at most this many bytes of each .log file')
            [CompletionResult]::new('--value-decoder-class', '--value-decoder-class', [CompletionResultType]::ParameterName, 'Value decoder class; only the string decoder exists in kbox (UTF-8, lossy)')
            [CompletionResult]::new('--key-decoder-class', '--key-decoder-class', [CompletionResultType]::ParameterName, 'Key decoder class; only the string decoder exists in kbox (UTF-8, lossy)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: Apache''s text, or one JSON object per line for scripts')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('--print-data-log', '--print-data-log', [CompletionResultType]::ParameterName, 'Print the records'' contents (implied by any decoder option)')
            [CompletionResult]::new('--verify-index-only', '--verify-index-only', [CompletionResultType]::ParameterName, 'Just verify the index against the log without printing its content')
            [CompletionResult]::new('--index-sanity-check', '--index-sanity-check', [CompletionResultType]::ParameterName, 'Just run the index sanity check the broker runs at start-up')
            [CompletionResult]::new('--deep-iteration', '--deep-iteration', [CompletionResultType]::ParameterName, 'Iterate over the records of each batch, not only the batches')
            [CompletionResult]::new('--offsets-decoder', '--offsets-decoder', [CompletionResultType]::ParameterName, 'Decode records as `__consumer_offsets` keys and values')
            [CompletionResult]::new('--transaction-log-decoder', '--transaction-log-decoder', [CompletionResultType]::ParameterName, 'Decode records as `__transaction_state` (not supported: kbox has no transactions)')
            [CompletionResult]::new('--cluster-metadata-decoder', '--cluster-metadata-decoder', [CompletionResultType]::ParameterName, 'Decode records as cluster metadata (not supported)')
            [CompletionResult]::new('--remote-log-metadata-decoder', '--remote-log-metadata-decoder', [CompletionResultType]::ParameterName, 'Decode records as remote log metadata (not supported)')
            [CompletionResult]::new('--share-group-state-decoder', '--share-group-state-decoder', [CompletionResultType]::ParameterName, 'Decode records as share group state (not supported)')
            [CompletionResult]::new('--skip-record-metadata', '--skip-record-metadata', [CompletionResultType]::ParameterName, 'Print only the record contents, not each record''s offset, timestamp and sizes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kbox;topics' {
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'REQUIRED: The Kafka server to connect to')
            [CompletionResult]::new('--command-config', '--command-config', [CompletionResultType]::ParameterName, 'Property file containing configs to be passed to Admin Client')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'The topic to create, alter, describe or delete; a regular expression except with --create')
            [CompletionResult]::new('--topic-id', '--topic-id', [CompletionResultType]::ParameterName, 'The topic-id to describe')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'A topic configuration override for the topic being created (name=value, repeatable)')
            [CompletionResult]::new('--delete-config', '--delete-config', [CompletionResultType]::ParameterName, 'No longer supported (deprecated since Apache Kafka 4.0)')
            [CompletionResult]::new('--partitions', '--partitions', [CompletionResultType]::ParameterName, 'The number of partitions for the topic being created or altered')
            [CompletionResult]::new('--replication-factor', '--replication-factor', [CompletionResultType]::ParameterName, 'The replication factor for each partition in the topic being created')
            [CompletionResult]::new('--replica-assignment', '--replica-assignment', [CompletionResultType]::ParameterName, 'Manual partition-to-broker assignments: b1:b2,b3:b4 (partition 0 on b1 and b2, ...)')
            [CompletionResult]::new('--partition-size-limit-per-response', '--partition-size-limit-per-response', [CompletionResultType]::ParameterName, 'The maximum number of partitions in one DescribeTopicPartitions response')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: Apache''s text or JSON')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('--list', '--list', [CompletionResultType]::ParameterName, 'List all available topics')
            [CompletionResult]::new('--create', '--create', [CompletionResultType]::ParameterName, 'Create a new topic')
            [CompletionResult]::new('--delete', '--delete', [CompletionResultType]::ParameterName, 'Delete a topic')
            [CompletionResult]::new('--alter', '--alter', [CompletionResultType]::ParameterName, 'Alter the number of partitions and replica assignment')
            [CompletionResult]::new('--describe', '--describe', [CompletionResultType]::ParameterName, 'List details for the given topics')
            [CompletionResult]::new('--under-replicated-partitions', '--under-replicated-partitions', [CompletionResultType]::ParameterName, 'With --describe: only under-replicated partitions')
            [CompletionResult]::new('--unavailable-partitions', '--unavailable-partitions', [CompletionResultType]::ParameterName, 'With --describe: only partitions whose leader is not available')
            [CompletionResult]::new('--under-min-isr-partitions', '--under-min-isr-partitions', [CompletionResultType]::ParameterName, 'With --describe: only partitions whose ISR is smaller than min.insync.replicas')
            [CompletionResult]::new('--at-min-isr-partitions', '--at-min-isr-partitions', [CompletionResultType]::ParameterName, 'With --describe: only partitions whose ISR equals min.insync.replicas')
            [CompletionResult]::new('--topics-with-overrides', '--topics-with-overrides', [CompletionResultType]::ParameterName, 'With --describe: only topics that have overridden configs')
            [CompletionResult]::new('--if-exists', '--if-exists', [CompletionResultType]::ParameterName, 'With --alter, --delete or --describe: only act if the topic exists')
            [CompletionResult]::new('--if-not-exists', '--if-not-exists', [CompletionResultType]::ParameterName, 'With --create: only act if the topic does not exist yet')
            [CompletionResult]::new('--exclude-internal', '--exclude-internal', [CompletionResultType]::ParameterName, 'Exclude internal topics when listing or describing topics')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Delete without asking (kbox asks only when a person is at the terminal)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Delete without asking (kbox asks only when a person is at the terminal)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kbox;console-producer' {
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'REQUIRED: The server(s) to connect to')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'REQUIRED: The topic to produce messages to')
            [CompletionResult]::new('--producer-property', '--producer-property', [CompletionResultType]::ParameterName, 'Producer config properties (key=value), repeatable (old name of --command-property)')
            [CompletionResult]::new('--command-property', '--command-property', [CompletionResultType]::ParameterName, 'Producer config properties (key=value), repeatable')
            [CompletionResult]::new('--producer.config', '--producer.config', [CompletionResultType]::ParameterName, 'Producer config properties file (old name of --command-config)')
            [CompletionResult]::new('--command-config', '--command-config', [CompletionResultType]::ParameterName, 'Producer config properties file')
            [CompletionResult]::new('--property', '--property', [CompletionResultType]::ParameterName, 'Line reader properties (parse.key, key.separator, parse.headers, ...), repeatable')
            [CompletionResult]::new('--reader-property', '--reader-property', [CompletionResultType]::ParameterName, 'Line reader properties, repeatable (new name of --property)')
            [CompletionResult]::new('--reader-config', '--reader-config', [CompletionResultType]::ParameterName, 'Line reader properties file')
            [CompletionResult]::new('--compression-codec', '--compression-codec', [CompletionResultType]::ParameterName, 'Compression: none, gzip, snappy, lz4 or zstd (gzip when given without a value)')
            [CompletionResult]::new('--request-required-acks', '--request-required-acks', [CompletionResultType]::ParameterName, 'acks: -1/all, 0 or 1')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'batch.size')
            [CompletionResult]::new('--max-partition-memory-bytes', '--max-partition-memory-bytes', [CompletionResultType]::ParameterName, 'batch.size (old name)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'linger.ms: how long to wait for a batch to fill')
            [CompletionResult]::new('--message-send-max-retries', '--message-send-max-retries', [CompletionResultType]::ParameterName, 'retries')
            [CompletionResult]::new('--retry-backoff-ms', '--retry-backoff-ms', [CompletionResultType]::ParameterName, 'retry.backoff.ms')
            [CompletionResult]::new('--request-timeout-ms', '--request-timeout-ms', [CompletionResultType]::ParameterName, 'request.timeout.ms')
            [CompletionResult]::new('--metadata-expiry-ms', '--metadata-expiry-ms', [CompletionResultType]::ParameterName, 'metadata.max.age.ms')
            [CompletionResult]::new('--max-block-ms', '--max-block-ms', [CompletionResultType]::ParameterName, 'max.block.ms')
            [CompletionResult]::new('--max-memory-bytes', '--max-memory-bytes', [CompletionResultType]::ParameterName, 'buffer.memory')
            [CompletionResult]::new('--socket-buffer-size', '--socket-buffer-size', [CompletionResultType]::ParameterName, 'send.buffer.bytes (accepted; the OS default is used)')
            [CompletionResult]::new('--line-reader', '--line-reader', [CompletionResultType]::ParameterName, 'The line reader class; only Apache''s default LineMessageReader is built in')
            [CompletionResult]::new('--transactional-id', '--transactional-id', [CompletionResultType]::ParameterName, 'Send in transactions with this transactional.id (as perf-test''s flag): each batch of lines read together is committed in one transaction')
            [CompletionResult]::new('--transaction-duration-ms', '--transaction-duration-ms', [CompletionResultType]::ParameterName, 'With transactions: keep each transaction open across input batches until it is this old (default: one transaction per batch of lines)')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('--sync', '--sync', [CompletionResultType]::ParameterName, 'Send each record synchronously')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kbox;console-consumer' {
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'REQUIRED: The server(s) to connect to')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'The topic to consume on')
            [CompletionResult]::new('--include', '--include', [CompletionResultType]::ParameterName, 'Regular expression of the topics to consume (instead of --topic)')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'The partition to consume from (starts at the end unless --offset is given)')
            [CompletionResult]::new('--offset', '--offset', [CompletionResultType]::ParameterName, 'earliest, latest, or an offset; needs --partition')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'The consumer group id')
            [CompletionResult]::new('--max-messages', '--max-messages', [CompletionResultType]::ParameterName, 'Exit after this many messages')
            [CompletionResult]::new('--timeout-ms', '--timeout-ms', [CompletionResultType]::ParameterName, 'Exit when no message arrived for this long (ms)')
            [CompletionResult]::new('--isolation-level', '--isolation-level', [CompletionResultType]::ParameterName, 'read_committed or read_uncommitted')
            [CompletionResult]::new('--consumer-property', '--consumer-property', [CompletionResultType]::ParameterName, 'Consumer config properties (key=value), repeatable')
            [CompletionResult]::new('--command-property', '--command-property', [CompletionResultType]::ParameterName, 'Consumer config properties (key=value), repeatable')
            [CompletionResult]::new('--consumer.config', '--consumer.config', [CompletionResultType]::ParameterName, 'Consumer config properties file')
            [CompletionResult]::new('--command-config', '--command-config', [CompletionResultType]::ParameterName, 'Consumer config properties file')
            [CompletionResult]::new('--property', '--property', [CompletionResultType]::ParameterName, 'Formatter properties (print.key=true, key.separator=..., ...), repeatable')
            [CompletionResult]::new('--formatter-property', '--formatter-property', [CompletionResultType]::ParameterName, 'Formatter properties, repeatable (new name of --property)')
            [CompletionResult]::new('--formatter-config', '--formatter-config', [CompletionResultType]::ParameterName, 'Formatter properties file')
            [CompletionResult]::new('--formatter', '--formatter', [CompletionResultType]::ParameterName, 'The formatter class: DefaultMessageFormatter, LoggingMessageFormatter or NoOpMessageFormatter')
            [CompletionResult]::new('--key-deserializer', '--key-deserializer', [CompletionResultType]::ParameterName, 'Key deserializer class')
            [CompletionResult]::new('--value-deserializer', '--value-deserializer', [CompletionResultType]::ParameterName, 'Value deserializer class')
            [CompletionResult]::new('--print-format', '--print-format', [CompletionResultType]::ParameterName, 'A kcat-style format string: %t %p %o %k %s %K %S %T %h, with \n \t escapes')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: Apache''s text or one JSON object per record')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('--from-beginning', '--from-beginning', [CompletionResultType]::ParameterName, 'Start with the earliest message when there is no committed offset')
            [CompletionResult]::new('--skip-message-on-error', '--skip-message-on-error', [CompletionResultType]::ParameterName, 'Skip a message that cannot be printed instead of stopping')
            [CompletionResult]::new('--enable-systest-events', '--enable-systest-events', [CompletionResultType]::ParameterName, 'Log lifecycle events of the consumer (accepted for compatibility)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kbox;mirror-maker' {
            [CompletionResult]::new('--consumer.config', '--consumer.config', [CompletionResultType]::ParameterName, 'REQUIRED: consumer properties for the source cluster (bootstrap.servers, group.id, ...)')
            [CompletionResult]::new('--producer.config', '--producer.config', [CompletionResultType]::ParameterName, 'REQUIRED: producer properties for the target cluster (bootstrap.servers, ...)')
            [CompletionResult]::new('--include', '--include', [CompletionResultType]::ParameterName, 'Regular expression of the topics to mirror')
            [CompletionResult]::new('--num.streams', '--num.streams', [CompletionResultType]::ParameterName, 'Number of consumption streams (kbox uses one consumer and pipelines fetches instead)')
            [CompletionResult]::new('--offset.commit.interval.ms', '--offset.commit.interval.ms', [CompletionResultType]::ParameterName, 'How often source offsets are committed (after the target acknowledged everything)')
            [CompletionResult]::new('--abort.on.send.failure', '--abort.on.send.failure', [CompletionResultType]::ParameterName, 'Stop on the first record the target refuses (true), or log it and go on (false)')
            [CompletionResult]::new('--stats-interval', '--stats-interval', [CompletionResultType]::ParameterName, 'Seconds between stats lines on stderr (0: none)')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('--no-create-topics', '--no-create-topics', [CompletionResultType]::ParameterName, 'Do not create missing topics on the target')
            [CompletionResult]::new('--sync-group-offsets', '--sync-group-offsets', [CompletionResultType]::ParameterName, 'Also translate the source''s consumer-group offsets and commit them on the target at each offset commit (MirrorMaker 2''s sync.group.offsets), so consumers can fail over')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kbox;perf-test' {
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('producer', 'producer', [CompletionResultType]::ParameterValue, 'kafka-producer-perf-test.sh: produce a fixed number of records and report throughput and latency')
            [CompletionResult]::new('consumer', 'consumer', [CompletionResultType]::ParameterValue, 'kafka-consumer-perf-test.sh: consume a number of records through a group')
            [CompletionResult]::new('e2e', 'e2e', [CompletionResultType]::ParameterValue, 'kafka-e2e-latency.sh: produce one record at a time and time its arrival at a consumer')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kbox;perf-test;producer' {
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Produce records to this topic')
            [CompletionResult]::new('--num-records', '--num-records', [CompletionResultType]::ParameterName, 'Number of records to produce')
            [CompletionResult]::new('--record-size', '--record-size', [CompletionResultType]::ParameterName, 'Record size in bytes (one of --record-size, --payload-file, --payload-monotonic)')
            [CompletionResult]::new('--payload-file', '--payload-file', [CompletionResultType]::ParameterName, 'File of payloads to pick from at random, split by --payload-delimiter (UTF-8)')
            [CompletionResult]::new('--payload-delimiter', '--payload-delimiter', [CompletionResultType]::ParameterName, 'Delimiter of the payloads in --payload-file')
            [CompletionResult]::new('--throughput', '--throughput', [CompletionResultType]::ParameterName, 'Throttle to about this many records/sec; -1 for no limit')
            [CompletionResult]::new('--producer-props', '--producer-props', [CompletionResultType]::ParameterName, 'Producer properties, key=value (override --producer.config)')
            [CompletionResult]::new('--producer.config', '--producer.config', [CompletionResultType]::ParameterName, 'Producer properties file')
            [CompletionResult]::new('--command-property', '--command-property', [CompletionResultType]::ParameterName, 'Producer property (KIP-1147 name of --producer-props); repeatable')
            [CompletionResult]::new('--command-config', '--command-config', [CompletionResultType]::ParameterName, 'Producer properties file (KIP-1147 name of --producer.config)')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'The broker list (wins over properties)')
            [CompletionResult]::new('--transactional-id', '--transactional-id', [CompletionResultType]::ParameterName, 'Run in transactions with this id')
            [CompletionResult]::new('--transaction-duration-ms', '--transaction-duration-ms', [CompletionResultType]::ParameterName, 'Length of each transaction, with --transactional-id')
            [CompletionResult]::new('--warmup-records', '--warmup-records', [CompletionResultType]::ParameterName, 'Records sent first and left out of the steady-state figures (KIP-1052)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, '`json` prints one summary object instead of Apache''s lines')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('--payload-monotonic', '--payload-monotonic', [CompletionResultType]::ParameterName, 'Payload is the record''s number, as text')
            [CompletionResult]::new('--print-metrics', '--print-metrics', [CompletionResultType]::ParameterName, 'Print the client''s metrics at the end')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kbox;perf-test;consumer' {
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'The broker list')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'The topic to consume from')
            [CompletionResult]::new('--include', '--include', [CompletionResultType]::ParameterName, 'A regular expression of topics to consume (instead of --topic)')
            [CompletionResult]::new('--messages', '--messages', [CompletionResultType]::ParameterName, 'The number of records to consume')
            [CompletionResult]::new('--num-records', '--num-records', [CompletionResultType]::ParameterName, 'The number of records to consume')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'The group id to consume on')
            [CompletionResult]::new('--fetch-size', '--fetch-size', [CompletionResultType]::ParameterName, 'Bytes to fetch per partition per request (max.partition.fetch.bytes)')
            [CompletionResult]::new('--socket-buffer-size', '--socket-buffer-size', [CompletionResultType]::ParameterName, 'Socket receive buffer (accepted for compatibility; the OS tunes it)')
            [CompletionResult]::new('--consumer.config', '--consumer.config', [CompletionResultType]::ParameterName, 'Consumer properties file')
            [CompletionResult]::new('--command-config', '--command-config', [CompletionResultType]::ParameterName, 'Consumer properties file (KIP-1147 name of --consumer.config)')
            [CompletionResult]::new('--command-property', '--command-property', [CompletionResultType]::ParameterName, 'A consumer property, key=value; repeatable')
            [CompletionResult]::new('--reporting-interval', '--reporting-interval', [CompletionResultType]::ParameterName, 'Interval between detailed rows, ms')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up when no record arrives for this long, ms')
            [CompletionResult]::new('--date-format', '--date-format', [CompletionResultType]::ParameterName, 'Java SimpleDateFormat pattern for the time columns')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, '`json` prints one summary object instead of Apache''s lines')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('--from-latest', '--from-latest', [CompletionResultType]::ParameterName, 'Start from the end of the topic when the group has no committed offset')
            [CompletionResult]::new('--print-metrics', '--print-metrics', [CompletionResultType]::ParameterName, 'Print the client''s metrics at the end')
            [CompletionResult]::new('--show-detailed-stats', '--show-detailed-stats', [CompletionResultType]::ParameterName, 'A row per reporting interval instead of one summary row')
            [CompletionResult]::new('--hide-header', '--hide-header', [CompletionResultType]::ParameterName, 'Leave out the header line')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kbox;perf-test;e2e' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, '`json` prints one summary object instead of Apache''s lines')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kbox;perf-test;help' {
            [CompletionResult]::new('producer', 'producer', [CompletionResultType]::ParameterValue, 'kafka-producer-perf-test.sh: produce a fixed number of records and report throughput and latency')
            [CompletionResult]::new('consumer', 'consumer', [CompletionResultType]::ParameterValue, 'kafka-consumer-perf-test.sh: consume a number of records through a group')
            [CompletionResult]::new('e2e', 'e2e', [CompletionResultType]::ParameterValue, 'kafka-e2e-latency.sh: produce one record at a time and time its arrival at a consumer')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kbox;perf-test;help;producer' {
            break
        }
        'kbox;perf-test;help;consumer' {
            break
        }
        'kbox;perf-test;help;e2e' {
            break
        }
        'kbox;perf-test;help;help' {
            break
        }
        'kbox;completions' {
            [CompletionResult]::new('--generate-files', '--generate-files', [CompletionResultType]::ParameterName, 'Write every shell''s script into DIR/completions and a man page per command into DIR/man (the checked-in files of a kbox checkout)')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kbox;broker-api-versions' {
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2')
            [CompletionResult]::new('--command-config', '--command-config', [CompletionResultType]::ParameterName, 'Property file with configs for the admin client')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: Apache''s text or JSON')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kbox;cluster-id' {
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Property file with configs for the admin client')
            [CompletionResult]::new('--command-config', '--command-config', [CompletionResultType]::ParameterName, 'Property file with configs for the admin client')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: Apache''s text or JSON')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kbox;acls' {
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2')
            [CompletionResult]::new('--command-config', '--command-config', [CompletionResultType]::ParameterName, 'A property file containing configs to be passed to the admin client')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Topic to which ACLs should be added or removed; ''*'' means all topics (repeatable)')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'Consumer group to which ACLs should be added or removed; ''*'' means all groups (repeatable)')
            [CompletionResult]::new('--transactional-id', '--transactional-id', [CompletionResultType]::ParameterName, 'Transactional id to which ACLs should be added or removed (repeatable)')
            [CompletionResult]::new('--delegation-token', '--delegation-token', [CompletionResultType]::ParameterName, 'Delegation token to which ACLs should be added or removed (repeatable)')
            [CompletionResult]::new('--user-principal', '--user-principal', [CompletionResultType]::ParameterName, 'A user principal as a resource, for CreateTokens/DescribeTokens (repeatable)')
            [CompletionResult]::new('--resource-pattern-type', '--resource-pattern-type', [CompletionResultType]::ParameterName, 'Pattern type: literal or prefixed when adding; also any or match when listing or removing [default: literal; any for --list]')
            [CompletionResult]::new('--operation', '--operation', [CompletionResultType]::ParameterName, 'Operation being allowed or denied: Read, Write, Create, Delete, Alter, Describe, ClusterAction, DescribeConfigs, AlterConfigs, IdempotentWrite, CreateTokens, DescribeTokens, All (repeatable) [default: All]')
            [CompletionResult]::new('--allow-principal', '--allow-principal', [CompletionResultType]::ParameterName, 'Principal in principalType:name form, e.g. User:alice, or User:''*'' (repeatable)')
            [CompletionResult]::new('--deny-principal', '--deny-principal', [CompletionResultType]::ParameterName, 'Principal to deny; deny rules take precedence over allow rules (repeatable)')
            [CompletionResult]::new('--principal', '--principal', [CompletionResultType]::ParameterName, 'With --list: only the ACLs of this principal (repeatable)')
            [CompletionResult]::new('--allow-host', '--allow-host', [CompletionResultType]::ParameterName, 'Host the allowed principals may connect from [default: * when --allow-principal]')
            [CompletionResult]::new('--deny-host', '--deny-host', [CompletionResultType]::ParameterName, 'Host the denied principals are denied from [default: * when --deny-principal]')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format for --list: Apache''s text or JSON')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('--add', '--add', [CompletionResultType]::ParameterName, 'Indicates you are trying to add ACLs')
            [CompletionResult]::new('--remove', '--remove', [CompletionResultType]::ParameterName, 'Indicates you are trying to remove ACLs')
            [CompletionResult]::new('--list', '--list', [CompletionResultType]::ParameterName, 'List ACLs for the specified resource (all ACLs when none is given)')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'Add/Remove cluster ACLs')
            [CompletionResult]::new('--producer', '--producer', [CompletionResultType]::ParameterName, 'Producer role: WRITE, DESCRIBE and CREATE on the topics (WRITE, DESCRIBE on transactional ids; IDEMPOTENT_WRITE on the cluster with --idempotent)')
            [CompletionResult]::new('--consumer', '--consumer', [CompletionResultType]::ParameterName, 'Consumer role: READ, DESCRIBE on the topics and READ on the groups')
            [CompletionResult]::new('--idempotent', '--idempotent', [CompletionResultType]::ParameterName, 'With --producer: also IDEMPOTENT_WRITE on the cluster')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Assume yes to all queries and do not prompt')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kbox;leader-election' {
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'REQUIRED: host:port of a broker; several may be given, comma-separated')
            [CompletionResult]::new('--election-type', '--election-type', [CompletionResultType]::ParameterName, 'REQUIRED: "PREFERRED" (only where the preferred replica does not lead) or "UNCLEAN" (only where no leader exists)')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'The topic of the partition to elect for (with --partition)')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'The partition to elect for; required with --topic')
            [CompletionResult]::new('--path-to-json-file', '--path-to-json-file', [CompletionResultType]::ParameterName, 'JSON file of partitions: {"partitions": [{"topic": "foo", "partition": 1}]}')
            [CompletionResult]::new('--admin.config', '--admin.config', [CompletionResultType]::ParameterName, '(Deprecated) Property file for the admin client; use --command-config')
            [CompletionResult]::new('--command-config', '--command-config', [CompletionResultType]::ParameterName, 'Property file for the admin client')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: Apache''s text or JSON')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('--all-topic-partitions', '--all-topic-partitions', [CompletionResultType]::ParameterName, 'Elect on every eligible partition')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kbox;reassign-partitions' {
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'The server(s) to use for bootstrapping')
            [CompletionResult]::new('--command-config', '--command-config', [CompletionResultType]::ParameterName, 'Property file containing configs to be passed to the admin client')
            [CompletionResult]::new('--reassignment-json-file', '--reassignment-json-file', [CompletionResultType]::ParameterName, '{"partitions":[{"topic":"foo","partition":1,"replicas":[1,2,3],"log_dirs":["any","any","any"]}],"version":1}')
            [CompletionResult]::new('--topics-to-move-json-file', '--topics-to-move-json-file', [CompletionResultType]::ParameterName, '{"topics":[{"topic":"foo"},{"topic":"foo1"}],"version":1}')
            [CompletionResult]::new('--broker-list', '--broker-list', [CompletionResultType]::ParameterName, 'Brokers to move the partitions to, as "0,1,2" (with --generate)')
            [CompletionResult]::new('--throttle', '--throttle', [CompletionResultType]::ParameterName, 'Inter-broker throttle in bytes/sec while the partitions move (followers'' fetches of the moving replicas are held to it); --verify removes it once done')
            [CompletionResult]::new('--replica-alter-log-dirs-throttle', '--replica-alter-log-dirs-throttle', [CompletionResultType]::ParameterName, 'Log-dir move throttle in bytes/sec (accepted; kbox does not move replicas between log dirs)')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Maximum time in ms to wait for log-dir moves to begin')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format: Apache''s text or JSON')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('--generate', '--generate', [CompletionResultType]::ParameterName, 'Generate a candidate reassignment moving the topics of --topics-to-move-json-file to the brokers of --broker-list. Prints it; changes nothing')
            [CompletionResult]::new('--execute', '--execute', [CompletionResultType]::ParameterName, 'Start the reassignment of --reassignment-json-file')
            [CompletionResult]::new('--verify', '--verify', [CompletionResultType]::ParameterName, 'Check whether the reassignment of --reassignment-json-file completed')
            [CompletionResult]::new('--cancel', '--cancel', [CompletionResultType]::ParameterName, 'Cancel the active reassignment of --reassignment-json-file''s partitions')
            [CompletionResult]::new('--list', '--list', [CompletionResultType]::ParameterName, 'List every active partition reassignment')
            [CompletionResult]::new('--disable-rack-aware', '--disable-rack-aware', [CompletionResultType]::ParameterName, 'Ignore broker racks when generating')
            [CompletionResult]::new('--additional', '--additional', [CompletionResultType]::ParameterName, 'Execute in addition to reassignments already running')
            [CompletionResult]::new('--preserve-throttles', '--preserve-throttles', [CompletionResultType]::ParameterName, 'Do not modify broker or topic throttles')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kbox;metadata-quorum' {
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'A comma-separated list of host:port pairs to use for establishing the connection to the Kafka cluster')
            [CompletionResult]::new('--bootstrap-controller', '--bootstrap-controller', [CompletionResultType]::ParameterName, 'A comma-separated list of host:port pairs to use for establishing the connection to the Kafka controllers')
            [CompletionResult]::new('--command-config', '--command-config', [CompletionResultType]::ParameterName, 'Property file containing configs to be passed to Admin Client. For add-controller, the file is used to specify the controller properties as well')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Property file containing configs to be passed to Admin Client. For add-controller, the file is used to specify the controller properties as well')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Describe the metadata quorum info')
            [CompletionResult]::new('add-controller', 'add-controller', [CompletionResultType]::ParameterValue, 'Add a controller to the KRaft controller cluster')
            [CompletionResult]::new('remove-controller', 'remove-controller', [CompletionResultType]::ParameterValue, 'Remove a controller from the KRaft controller cluster')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kbox;metadata-quorum;describe' {
            [CompletionResult]::new('--command-config', '--command-config', [CompletionResultType]::ParameterName, 'Property file containing configs to be passed to Admin Client. For add-controller, the file is used to specify the controller properties as well')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Property file containing configs to be passed to Admin Client. For add-controller, the file is used to specify the controller properties as well')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'A short summary of the quorum status')
            [CompletionResult]::new('--replication', '--replication', [CompletionResultType]::ParameterName, 'Detailed information about the status of replication')
            [CompletionResult]::new('--human-readable', '--human-readable', [CompletionResultType]::ParameterName, 'Human-readable output (with --replication)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kbox;metadata-quorum;add-controller' {
            [CompletionResult]::new('--command-config', '--command-config', [CompletionResultType]::ParameterName, 'Property file containing configs to be passed to Admin Client. For add-controller, the file is used to specify the controller properties as well')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Property file containing configs to be passed to Admin Client. For add-controller, the file is used to specify the controller properties as well')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'True if we should print what would be done, but not do it')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kbox;metadata-quorum;remove-controller' {
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'The id of the controller to remove')
            [CompletionResult]::new('--controller-id', '--controller-id', [CompletionResultType]::ParameterName, 'The id of the controller to remove')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'The directory ID of the controller to remove')
            [CompletionResult]::new('--controller-directory-id', '--controller-directory-id', [CompletionResultType]::ParameterName, 'The directory ID of the controller to remove')
            [CompletionResult]::new('--command-config', '--command-config', [CompletionResultType]::ParameterName, 'Property file containing configs to be passed to Admin Client. For add-controller, the file is used to specify the controller properties as well')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Property file containing configs to be passed to Admin Client. For add-controller, the file is used to specify the controller properties as well')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'True if we should print what would be done, but not do it')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kbox;metadata-quorum;help' {
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Describe the metadata quorum info')
            [CompletionResult]::new('add-controller', 'add-controller', [CompletionResultType]::ParameterValue, 'Add a controller to the KRaft controller cluster')
            [CompletionResult]::new('remove-controller', 'remove-controller', [CompletionResultType]::ParameterValue, 'Remove a controller from the KRaft controller cluster')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kbox;metadata-quorum;help;describe' {
            break
        }
        'kbox;metadata-quorum;help;add-controller' {
            break
        }
        'kbox;metadata-quorum;help;remove-controller' {
            break
        }
        'kbox;metadata-quorum;help;help' {
            break
        }
        'kbox;log-dirs' {
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2')
            [CompletionResult]::new('--broker-list', '--broker-list', [CompletionResultType]::ParameterName, 'Comma separated broker ids to query; all brokers when absent')
            [CompletionResult]::new('--topic-list', '--topic-list', [CompletionResultType]::ParameterName, 'Comma separated topics to show; all topics when absent')
            [CompletionResult]::new('--command-config', '--command-config', [CompletionResultType]::ParameterName, 'Property file with configs for the admin client')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('--describe', '--describe', [CompletionResultType]::ParameterName, 'Describe the log directories (the only action)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kbox;transactions' {
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2')
            [CompletionResult]::new('--command-config', '--command-config', [CompletionResultType]::ParameterName, 'Property file with configs for the admin client')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List transactions')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Describe the state of a transaction')
            [CompletionResult]::new('describe-producers', 'describe-producers', [CompletionResultType]::ParameterValue, 'Describe the states of a partition''s active producers')
            [CompletionResult]::new('abort', 'abort', [CompletionResultType]::ParameterValue, 'Abort a hanging transaction on a partition')
            [CompletionResult]::new('find-hanging', 'find-hanging', [CompletionResultType]::ParameterValue, 'Find transactions open on partitions longer than the maximum transaction timeout that their coordinator no longer has ongoing there')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kbox;transactions;list' {
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2')
            [CompletionResult]::new('--command-config', '--command-config', [CompletionResultType]::ParameterName, 'Property file with configs for the admin client')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kbox;transactions;describe' {
            [CompletionResult]::new('--transactional-id', '--transactional-id', [CompletionResultType]::ParameterName, 'The transactional id')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2')
            [CompletionResult]::new('--command-config', '--command-config', [CompletionResultType]::ParameterName, 'Property file with configs for the admin client')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kbox;transactions;describe-producers' {
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'topic')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'partition')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2')
            [CompletionResult]::new('--command-config', '--command-config', [CompletionResultType]::ParameterName, 'Property file with configs for the admin client')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kbox;transactions;abort' {
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'topic')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'partition')
            [CompletionResult]::new('--start-offset', '--start-offset', [CompletionResultType]::ParameterName, 'The first offset of the transaction to abort')
            [CompletionResult]::new('--producer-id', '--producer-id', [CompletionResultType]::ParameterName, 'The producer id (with --producer-epoch and --coordinator-epoch, instead of --start-offset)')
            [CompletionResult]::new('--producer-epoch', '--producer-epoch', [CompletionResultType]::ParameterName, 'producer-epoch')
            [CompletionResult]::new('--coordinator-epoch', '--coordinator-epoch', [CompletionResultType]::ParameterName, 'coordinator-epoch')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2')
            [CompletionResult]::new('--command-config', '--command-config', [CompletionResultType]::ParameterName, 'Property file with configs for the admin client')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kbox;transactions;find-hanging' {
            [CompletionResult]::new('--broker-id', '--broker-id', [CompletionResultType]::ParameterName, 'Look at every partition led by this broker')
            [CompletionResult]::new('--topic', '--topic', [CompletionResultType]::ParameterName, 'Look at this topic''s partitions')
            [CompletionResult]::new('--partition', '--partition', [CompletionResultType]::ParameterName, 'With --topic: only this partition')
            [CompletionResult]::new('--max-transaction-timeout', '--max-transaction-timeout', [CompletionResultType]::ParameterName, 'Minutes after which an open transaction is suspect (the brokers'' transaction.max.timeout.ms)')
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2')
            [CompletionResult]::new('--command-config', '--command-config', [CompletionResultType]::ParameterName, 'Property file with configs for the admin client')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kbox;transactions;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List transactions')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Describe the state of a transaction')
            [CompletionResult]::new('describe-producers', 'describe-producers', [CompletionResultType]::ParameterValue, 'Describe the states of a partition''s active producers')
            [CompletionResult]::new('abort', 'abort', [CompletionResultType]::ParameterValue, 'Abort a hanging transaction on a partition')
            [CompletionResult]::new('find-hanging', 'find-hanging', [CompletionResultType]::ParameterValue, 'Find transactions open on partitions longer than the maximum transaction timeout that their coordinator no longer has ongoing there')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kbox;transactions;help;list' {
            break
        }
        'kbox;transactions;help;describe' {
            break
        }
        'kbox;transactions;help;describe-producers' {
            break
        }
        'kbox;transactions;help;abort' {
            break
        }
        'kbox;transactions;help;find-hanging' {
            break
        }
        'kbox;transactions;help;help' {
            break
        }
        'kbox;shell' {
            [CompletionResult]::new('--bootstrap-server', '--bootstrap-server', [CompletionResultType]::ParameterName, 'The cluster every command talks to (HOST1:PORT1,HOST2:PORT2)')
            [CompletionResult]::new('--command-config', '--command-config', [CompletionResultType]::ParameterName, 'Client properties for the shell''s own lookups (completion of topics and groups)')
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kbox;install-links' {
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Replace files or links that already exist under those names')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kbox;kcat' {
            [CompletionResult]::new('--log-level', '--log-level', [CompletionResultType]::ParameterName, 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster')
            [CompletionResult]::new('-X', '-X ', [CompletionResultType]::ParameterName, 'A client property, key=value, for every command that talks to a cluster (repeatable)')
            break
        }
        'kbox;help' {
            [CompletionResult]::new('storage', 'storage', [CompletionResultType]::ParameterValue, 'Format and inspect log directories (kafka-storage.sh)')
            [CompletionResult]::new('server-start', 'server-start', [CompletionResultType]::ParameterValue, 'Run a broker (kafka-server-start.sh). With no config: a single local node on 127.0.0.1:9092')
            [CompletionResult]::new('server-stop', 'server-stop', [CompletionResultType]::ParameterValue, 'Stop brokers started by kbox server-start (kafka-server-stop.sh)')
            [CompletionResult]::new('consumer-groups', 'consumer-groups', [CompletionResultType]::ParameterValue, 'List, describe, delete consumer groups and reset their offsets (kafka-consumer-groups.sh)')
            [CompletionResult]::new('get-offsets', 'get-offsets', [CompletionResultType]::ParameterValue, 'Print topic-partition offsets (kafka-get-offsets.sh)')
            [CompletionResult]::new('configs', 'configs', [CompletionResultType]::ParameterValue, 'Describe and alter topic, broker and group configs (kafka-configs.sh)')
            [CompletionResult]::new('delete-records', 'delete-records', [CompletionResultType]::ParameterValue, 'Delete records before given offsets (kafka-delete-records.sh)')
            [CompletionResult]::new('dump-log', 'dump-log', [CompletionResultType]::ParameterValue, 'Print the batches, records and index entries of log segment files (kafka-dump-log.sh)')
            [CompletionResult]::new('topics', 'topics', [CompletionResultType]::ParameterValue, 'Create, list, describe, alter and delete topics (kafka-topics.sh)')
            [CompletionResult]::new('console-producer', 'console-producer', [CompletionResultType]::ParameterValue, 'Read lines from stdin and produce them as records (kafka-console-producer.sh)')
            [CompletionResult]::new('console-consumer', 'console-consumer', [CompletionResultType]::ParameterValue, 'Print records to stdout (kafka-console-consumer.sh)')
            [CompletionResult]::new('mirror-maker', 'mirror-maker', [CompletionResultType]::ParameterValue, 'Copy topics from one cluster to another (kafka-mirror-maker.sh)')
            [CompletionResult]::new('perf-test', 'perf-test', [CompletionResultType]::ParameterValue, 'Measure producer, consumer and end-to-end performance (Apache''s perf tools)')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (bash, zsh, fish, powershell, elvish)')
            [CompletionResult]::new('broker-api-versions', 'broker-api-versions', [CompletionResultType]::ParameterValue, 'kafka-broker-api-versions.sh: the API versions each broker supports')
            [CompletionResult]::new('cluster-id', 'cluster-id', [CompletionResultType]::ParameterValue, 'kafka-cluster.sh cluster-id: print the cluster''s id')
            [CompletionResult]::new('acls', 'acls', [CompletionResultType]::ParameterValue, 'kafka-acls.sh: add, remove and list ACLs')
            [CompletionResult]::new('leader-election', 'leader-election', [CompletionResultType]::ParameterValue, 'kafka-leader-election.sh: preferred or unclean leader election')
            [CompletionResult]::new('reassign-partitions', 'reassign-partitions', [CompletionResultType]::ParameterValue, 'kafka-reassign-partitions.sh: move partitions to other brokers')
            [CompletionResult]::new('metadata-quorum', 'metadata-quorum', [CompletionResultType]::ParameterValue, 'kafka-metadata-quorum.sh: the controller quorum''s status and replication')
            [CompletionResult]::new('log-dirs', 'log-dirs', [CompletionResultType]::ParameterValue, 'kafka-log-dirs.sh: log directories and partition sizes per broker')
            [CompletionResult]::new('transactions', 'transactions', [CompletionResultType]::ParameterValue, 'kafka-transactions.sh: list, describe, find hanging and abort transactions')
            [CompletionResult]::new('shell', 'shell', [CompletionResultType]::ParameterValue, 'An interactive prompt running kbox commands against one cluster')
            [CompletionResult]::new('install-links', 'install-links', [CompletionResultType]::ParameterValue, 'Create a link for every Apache tool name (and kcat) kbox answers to')
            [CompletionResult]::new('kcat', 'kcat', [CompletionResultType]::ParameterValue, 'kcat: produce, consume, list metadata, query offsets, with kcat''s flags and output')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kbox;help;storage' {
            [CompletionResult]::new('random-uuid', 'random-uuid', [CompletionResultType]::ParameterValue, 'Print a new random cluster id (22 base64 characters)')
            [CompletionResult]::new('format', 'format', [CompletionResultType]::ParameterValue, 'Write meta.properties into every log directory of a config')
            [CompletionResult]::new('info', 'info', [CompletionResultType]::ParameterValue, 'Show the log directories of a config and any problem with them')
            break
        }
        'kbox;help;storage;random-uuid' {
            break
        }
        'kbox;help;storage;format' {
            break
        }
        'kbox;help;storage;info' {
            break
        }
        'kbox;help;server-start' {
            break
        }
        'kbox;help;server-stop' {
            break
        }
        'kbox;help;consumer-groups' {
            break
        }
        'kbox;help;get-offsets' {
            break
        }
        'kbox;help;configs' {
            break
        }
        'kbox;help;delete-records' {
            break
        }
        'kbox;help;dump-log' {
            break
        }
        'kbox;help;topics' {
            break
        }
        'kbox;help;console-producer' {
            break
        }
        'kbox;help;console-consumer' {
            break
        }
        'kbox;help;mirror-maker' {
            break
        }
        'kbox;help;perf-test' {
            [CompletionResult]::new('producer', 'producer', [CompletionResultType]::ParameterValue, 'kafka-producer-perf-test.sh: produce a fixed number of records and report throughput and latency')
            [CompletionResult]::new('consumer', 'consumer', [CompletionResultType]::ParameterValue, 'kafka-consumer-perf-test.sh: consume a number of records through a group')
            [CompletionResult]::new('e2e', 'e2e', [CompletionResultType]::ParameterValue, 'kafka-e2e-latency.sh: produce one record at a time and time its arrival at a consumer')
            break
        }
        'kbox;help;perf-test;producer' {
            break
        }
        'kbox;help;perf-test;consumer' {
            break
        }
        'kbox;help;perf-test;e2e' {
            break
        }
        'kbox;help;completions' {
            break
        }
        'kbox;help;broker-api-versions' {
            break
        }
        'kbox;help;cluster-id' {
            break
        }
        'kbox;help;acls' {
            break
        }
        'kbox;help;leader-election' {
            break
        }
        'kbox;help;reassign-partitions' {
            break
        }
        'kbox;help;metadata-quorum' {
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Describe the metadata quorum info')
            [CompletionResult]::new('add-controller', 'add-controller', [CompletionResultType]::ParameterValue, 'Add a controller to the KRaft controller cluster')
            [CompletionResult]::new('remove-controller', 'remove-controller', [CompletionResultType]::ParameterValue, 'Remove a controller from the KRaft controller cluster')
            break
        }
        'kbox;help;metadata-quorum;describe' {
            break
        }
        'kbox;help;metadata-quorum;add-controller' {
            break
        }
        'kbox;help;metadata-quorum;remove-controller' {
            break
        }
        'kbox;help;log-dirs' {
            break
        }
        'kbox;help;transactions' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List transactions')
            [CompletionResult]::new('describe', 'describe', [CompletionResultType]::ParameterValue, 'Describe the state of a transaction')
            [CompletionResult]::new('describe-producers', 'describe-producers', [CompletionResultType]::ParameterValue, 'Describe the states of a partition''s active producers')
            [CompletionResult]::new('abort', 'abort', [CompletionResultType]::ParameterValue, 'Abort a hanging transaction on a partition')
            [CompletionResult]::new('find-hanging', 'find-hanging', [CompletionResultType]::ParameterValue, 'Find transactions open on partitions longer than the maximum transaction timeout that their coordinator no longer has ongoing there')
            break
        }
        'kbox;help;transactions;list' {
            break
        }
        'kbox;help;transactions;describe' {
            break
        }
        'kbox;help;transactions;describe-producers' {
            break
        }
        'kbox;help;transactions;abort' {
            break
        }
        'kbox;help;transactions;find-hanging' {
            break
        }
        'kbox;help;shell' {
            break
        }
        'kbox;help;install-links' {
            break
        }
        'kbox;help;kcat' {
            break
        }
        'kbox;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
