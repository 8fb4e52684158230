
use builtin;
use str;

set edit:completion:arg-completer[kbox] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'kbox'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'kbox'= {
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand storage 'Format and inspect log directories (kafka-storage.sh)'
            cand server-start 'Run a broker (kafka-server-start.sh). With no config: a single local node on 127.0.0.1:9092'
            cand server-stop 'Stop brokers started by kbox server-start (kafka-server-stop.sh)'
            cand consumer-groups 'List, describe, delete consumer groups and reset their offsets (kafka-consumer-groups.sh)'
            cand get-offsets 'Print topic-partition offsets (kafka-get-offsets.sh)'
            cand configs 'Describe and alter topic, broker and group configs (kafka-configs.sh)'
            cand delete-records 'Delete records before given offsets (kafka-delete-records.sh)'
            cand dump-log 'Print the batches, records and index entries of log segment files (kafka-dump-log.sh)'
            cand topics 'Create, list, describe, alter and delete topics (kafka-topics.sh)'
            cand console-producer 'Read lines from stdin and produce them as records (kafka-console-producer.sh)'
            cand console-consumer 'Print records to stdout (kafka-console-consumer.sh)'
            cand mirror-maker 'Copy topics from one cluster to another (kafka-mirror-maker.sh)'
            cand perf-test 'Measure producer, consumer and end-to-end performance (Apache''s perf tools)'
            cand completions 'Print a shell completion script (bash, zsh, fish, powershell, elvish)'
            cand broker-api-versions 'kafka-broker-api-versions.sh: the API versions each broker supports'
            cand cluster-id 'kafka-cluster.sh cluster-id: print the cluster''s id'
            cand acls 'kafka-acls.sh: add, remove and list ACLs'
            cand leader-election 'kafka-leader-election.sh: preferred or unclean leader election'
            cand reassign-partitions 'kafka-reassign-partitions.sh: move partitions to other brokers'
            cand metadata-quorum 'kafka-metadata-quorum.sh: the controller quorum''s status and replication'
            cand log-dirs 'kafka-log-dirs.sh: log directories and partition sizes per broker'
            cand transactions 'kafka-transactions.sh: list, describe, find hanging and abort transactions'
            cand shell 'An interactive prompt running kbox commands against one cluster'
            cand install-links 'Create a link for every Apache tool name (and kcat) kbox answers to'
            cand kcat 'kcat: produce, consume, list metadata, query offsets, with kcat''s flags and output'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kbox;storage'= {
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand random-uuid 'Print a new random cluster id (22 base64 characters)'
            cand format 'Write meta.properties into every log directory of a config'
            cand info 'Show the log directories of a config and any problem with them'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kbox;storage;random-uuid'= {
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kbox;storage;format'= {
            cand -c 'The server.properties of the node'
            cand --config 'The server.properties of the node'
            cand -t 'The cluster id (from `kbox storage random-uuid`)'
            cand --cluster-id 'The cluster id (from `kbox storage random-uuid`)'
            cand -I 'The initial controllers of a dynamic quorum: id@host:port:directory-id,...'
            cand --initial-controllers 'The initial controllers of a dynamic quorum: id@host:port:directory-id,...'
            cand -S 'A SCRAM credential to create: ''SCRAM-SHA-256=[name=alice,password=alice-secret]'' (also iterations=, or salt= and saltedpassword= in base64). May be repeated'
            cand --add-scram 'A SCRAM credential to create: ''SCRAM-SHA-256=[name=alice,password=alice-secret]'' (also iterations=, or salt= and saltedpassword= in base64). May be repeated'
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand -g 'Skip directories that are already formatted instead of failing'
            cand --ignore-formatted 'Skip directories that are already formatted instead of failing'
            cand -s 'Format a single-node dynamic controller quorum with this node as its voter'
            cand --standalone 'Format a single-node dynamic controller quorum with this node as its voter'
            cand -N 'Do not write initial controllers (a controller joining an existing quorum)'
            cand --no-initial-controllers 'Do not write initial controllers (a controller joining an existing quorum)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kbox;storage;info'= {
            cand -c 'c'
            cand --config 'config'
            cand --format 'Output format: Apache''s text or JSON'
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kbox;storage;help'= {
            cand random-uuid 'Print a new random cluster id (22 base64 characters)'
            cand format 'Write meta.properties into every log directory of a config'
            cand info 'Show the log directories of a config and any problem with them'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kbox;storage;help;random-uuid'= {
        }
        &'kbox;storage;help;format'= {
        }
        &'kbox;storage;help;info'= {
        }
        &'kbox;storage;help;help'= {
        }
        &'kbox;server-start'= {
            cand --override 'Override a property of the config file: --override key=value (repeatable)'
            cand --listen 'Embedded default only: the address to listen on'
            cand --data-dir 'Embedded default only: where data lives [default: $KBOX_DATA_DIR, else ~/.local/share/kbox/data]'
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand --daemon 'Run in the background, logging to $LOG_DIR/kafkaServer.out (Apache''s -daemon)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kbox;server-stop'= {
            cand --node-id 'Stop only the node with this node.id'
            cand --process-role 'Stop only nodes with this role (broker or controller)'
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kbox;consumer-groups'= {
            cand --bootstrap-server 'REQUIRED: the server(s) to connect to'
            cand --command-config 'Property file with configs for the admin client'
            cand --group 'The consumer group(s) to act on'
            cand --topic 'Topic scope: `topic` or `topic:0,1` (repeatable)'
            cand --state 'With --describe: the group state; with --list: a STATE column, optionally filtered (comma-separated states)'
            cand --type 'With --list: a TYPE column, optionally filtered (classic, consumer)'
            cand --timeout 'Timeout (ms) for some calls'
            cand --to-offset 'Reset to this offset'
            cand --shift-by 'Shift the committed offset by n (may be negative)'
            cand --to-datetime 'Reset to the first offset at or after a time: YYYY-MM-DDTHH:mm:SS.sss[Z|+hh:mm]'
            cand --by-duration 'Reset to the first offset at or after now minus a duration: PnDTnHnMnS'
            cand --from-file 'Reset to the offsets in a CSV file (topic,partition,offset or group,topic,partition,offset)'
            cand --format 'Output format: Apache''s text or JSON'
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand --list 'List all consumer groups'
            cand --describe 'Describe consumer group(s) and list offset lag (number of messages not yet processed)'
            cand --delete 'Delete consumer group(s)'
            cand --reset-offsets 'Reset offsets of a consumer group (one group at a time; the group must be inactive)'
            cand --delete-offsets 'Delete offsets of a consumer group for some topics or partitions'
            cand --all-groups 'Apply to all consumer groups'
            cand --all-topics 'Reset offsets of all topics the group has committed offsets for'
            cand --offsets 'With --describe: the offsets view (the default)'
            cand --members 'With --describe: the members view'
            cand --verbose 'More detail in --describe views'
            cand --dry-run 'Only show what a reset would do (the default)'
            cand --execute 'Apply the reset'
            cand --export 'Print the reset plan as CSV'
            cand --to-earliest 'Reset to the earliest offset'
            cand --to-latest 'Reset to the latest offset'
            cand --to-current 'Reset to the current committed offset'
            cand --yes 'Do not ask for confirmation at a terminal before --execute or --delete'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kbox;get-offsets'= {
            cand --bootstrap-server 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2'
            cand --topic-partitions 'Comma separated topic-partition patterns: topic-regex(:N | :N-M | :N- | :-M)?'
            cand --topic 'The topic (a regular expression). All topics when absent'
            cand --partitions 'Comma separated partition ids'
            cand --time '-1 or latest / -2 or earliest / -3 or max-timestamp / -4 or earliest-local, or a timestamp (ms)'
            cand --command-config 'Property file with configs for the admin client'
            cand --format 'Output format: Apache''s text or JSON'
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand --exclude-internal-topics 'Leave out internal topics'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kbox;configs'= {
            cand --bootstrap-server 'The Kafka server(s) to connect to'
            cand --command-config 'Property file with configs for the admin client'
            cand --entity-type 'topics, brokers, broker-loggers, groups, users, clients or ips; users and clients may be given together (quotas of a user''s client)'
            cand --entity-name 'Name of the entity (topic name, broker id, group id, user name)'
            cand --topic 'Shorthand for --entity-type topics --entity-name <topic>'
            cand --broker 'Shorthand for --entity-type brokers --entity-name <id>'
            cand --broker-logger 'Shorthand for --entity-type broker-loggers --entity-name <id>'
            cand --group 'Shorthand for --entity-type groups --entity-name <group>'
            cand --user 'Shorthand for --entity-type users --entity-name <user> (quotas, SCRAM credentials)'
            cand --client 'Shorthand for --entity-type clients --entity-name <client id>'
            cand --ip 'Shorthand for --entity-type ips --entity-name <ip>'
            cand --add-config 'Configs to set: ''k1=v1,k2=[v1,v2,v2],k3=v3'''
            cand --add-config-file 'A properties file of configs to set'
            cand --delete-config 'Config names to remove: ''k1,k2'''
            cand --format 'Output format: Apache''s text or JSON'
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand --describe 'List configs for the given entity'
            cand --alter 'Alter the configuration of the entity'
            cand --all 'With --describe: every config, not only the overrides'
            cand --entity-default 'The cluster-wide default (brokers only)'
            cand --broker-defaults 'Shorthand for --entity-type brokers --entity-default'
            cand --user-defaults 'Shorthand for --entity-type users --entity-default'
            cand --client-defaults 'Shorthand for --entity-type clients --entity-default'
            cand --ip-defaults 'Shorthand for --entity-type ips --entity-default'
            cand --force 'Suppress console prompts'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kbox;delete-records'= {
            cand --bootstrap-server 'REQUIRED: the server to connect to'
            cand --command-config 'Property file with configs for the admin client'
            cand --offset-json-file 'REQUIRED: {"partitions":[{"topic":"foo","partition":1,"offset":1}],"version":1}; offset -1 means the high watermark'
            cand --format 'Output format: Apache''s text or JSON'
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand --yes 'Do not ask for confirmation at a terminal'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kbox;dump-log'= {
            cand --files 'REQUIRED: The comma separated list of data and index log files to be dumped'
            cand --max-message-size 'Size of the largest message (accepted for compatibility)'
            cand --max-bytes 'Read at most this many bytes of each .log file'
            cand --value-decoder-class 'Value decoder class; only the string decoder exists in kbox (UTF-8, lossy)'
            cand --key-decoder-class 'Key decoder class; only the string decoder exists in kbox (UTF-8, lossy)'
            cand --format 'Output format: Apache''s text, or one JSON object per line for scripts'
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand --print-data-log 'Print the records'' contents (implied by any decoder option)'
            cand --verify-index-only 'Just verify the index against the log without printing its content'
            cand --index-sanity-check 'Just run the index sanity check the broker runs at start-up'
            cand --deep-iteration 'Iterate over the records of each batch, not only the batches'
            cand --offsets-decoder 'Decode records as `__consumer_offsets` keys and values'
            cand --transaction-log-decoder 'Decode records as `__transaction_state` (not supported: kbox has no transactions)'
            cand --cluster-metadata-decoder 'Decode records as cluster metadata (not supported)'
            cand --remote-log-metadata-decoder 'Decode records as remote log metadata (not supported)'
            cand --share-group-state-decoder 'Decode records as share group state (not supported)'
            cand --skip-record-metadata 'Print only the record contents, not each record''s offset, timestamp and sizes'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kbox;topics'= {
            cand --bootstrap-server 'REQUIRED: The Kafka server to connect to'
            cand --command-config 'Property file containing configs to be passed to Admin Client'
            cand --topic 'The topic to create, alter, describe or delete; a regular expression except with --create'
            cand --topic-id 'The topic-id to describe'
            cand --config 'A topic configuration override for the topic being created (name=value, repeatable)'
            cand --delete-config 'No longer supported (deprecated since Apache Kafka 4.0)'
            cand --partitions 'The number of partitions for the topic being created or altered'
            cand --replication-factor 'The replication factor for each partition in the topic being created'
            cand --replica-assignment 'Manual partition-to-broker assignments: b1:b2,b3:b4 (partition 0 on b1 and b2, ...)'
            cand --partition-size-limit-per-response 'The maximum number of partitions in one DescribeTopicPartitions response'
            cand --format 'Output format: Apache''s text or JSON'
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand --list 'List all available topics'
            cand --create 'Create a new topic'
            cand --delete 'Delete a topic'
            cand --alter 'Alter the number of partitions and replica assignment'
            cand --describe 'List details for the given topics'
            cand --under-replicated-partitions 'With --describe: only under-replicated partitions'
            cand --unavailable-partitions 'With --describe: only partitions whose leader is not available'
            cand --under-min-isr-partitions 'With --describe: only partitions whose ISR is smaller than min.insync.replicas'
            cand --at-min-isr-partitions 'With --describe: only partitions whose ISR equals min.insync.replicas'
            cand --topics-with-overrides 'With --describe: only topics that have overridden configs'
            cand --if-exists 'With --alter, --delete or --describe: only act if the topic exists'
            cand --if-not-exists 'With --create: only act if the topic does not exist yet'
            cand --exclude-internal 'Exclude internal topics when listing or describing topics'
            cand -y 'Delete without asking (kbox asks only when a person is at the terminal)'
            cand --yes 'Delete without asking (kbox asks only when a person is at the terminal)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kbox;console-producer'= {
            cand --bootstrap-server 'REQUIRED: The server(s) to connect to'
            cand --topic 'REQUIRED: The topic to produce messages to'
            cand --producer-property 'Producer config properties (key=value), repeatable (old name of --command-property)'
            cand --command-property 'Producer config properties (key=value), repeatable'
            cand --producer.config 'Producer config properties file (old name of --command-config)'
            cand --command-config 'Producer config properties file'
            cand --property 'Line reader properties (parse.key, key.separator, parse.headers, ...), repeatable'
            cand --reader-property 'Line reader properties, repeatable (new name of --property)'
            cand --reader-config 'Line reader properties file'
            cand --compression-codec 'Compression: none, gzip, snappy, lz4 or zstd (gzip when given without a value)'
            cand --request-required-acks 'acks: -1/all, 0 or 1'
            cand --batch-size 'batch.size'
            cand --max-partition-memory-bytes 'batch.size (old name)'
            cand --timeout 'linger.ms: how long to wait for a batch to fill'
            cand --message-send-max-retries 'retries'
            cand --retry-backoff-ms 'retry.backoff.ms'
            cand --request-timeout-ms 'request.timeout.ms'
            cand --metadata-expiry-ms 'metadata.max.age.ms'
            cand --max-block-ms 'max.block.ms'
            cand --max-memory-bytes 'buffer.memory'
            cand --socket-buffer-size 'send.buffer.bytes (accepted; the OS default is used)'
            cand --line-reader 'The line reader class; only Apache''s default LineMessageReader is built in'
            cand --transactional-id 'Send in transactions with this transactional.id (as perf-test''s flag): each batch of lines read together is committed in one transaction'
            cand --transaction-duration-ms 'With transactions: keep each transaction open across input batches until it is this old (default: one transaction per batch of lines)'
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand --sync 'Send each record synchronously'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kbox;console-consumer'= {
            cand --bootstrap-server 'REQUIRED: The server(s) to connect to'
            cand --topic 'The topic to consume on'
            cand --include 'Regular expression of the topics to consume (instead of --topic)'
            cand --partition 'The partition to consume from (starts at the end unless --offset is given)'
            cand --offset 'earliest, latest, or an offset; needs --partition'
            cand --group 'The consumer group id'
            cand --max-messages 'Exit after this many messages'
            cand --timeout-ms 'Exit when no message arrived for this long (ms)'
            cand --isolation-level 'read_committed or read_uncommitted'
            cand --consumer-property 'Consumer config properties (key=value), repeatable'
            cand --command-property 'Consumer config properties (key=value), repeatable'
            cand --consumer.config 'Consumer config properties file'
            cand --command-config 'Consumer config properties file'
            cand --property 'Formatter properties (print.key=true, key.separator=..., ...), repeatable'
            cand --formatter-property 'Formatter properties, repeatable (new name of --property)'
            cand --formatter-config 'Formatter properties file'
            cand --formatter 'The formatter class: DefaultMessageFormatter, LoggingMessageFormatter or NoOpMessageFormatter'
            cand --key-deserializer 'Key deserializer class'
            cand --value-deserializer 'Value deserializer class'
            cand --print-format 'A kcat-style format string: %t %p %o %k %s %K %S %T %h, with \n \t escapes'
            cand --format 'Output format: Apache''s text or one JSON object per record'
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand --from-beginning 'Start with the earliest message when there is no committed offset'
            cand --skip-message-on-error 'Skip a message that cannot be printed instead of stopping'
            cand --enable-systest-events 'Log lifecycle events of the consumer (accepted for compatibility)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kbox;mirror-maker'= {
            cand --consumer.config 'REQUIRED: consumer properties for the source cluster (bootstrap.servers, group.id, ...)'
            cand --producer.config 'REQUIRED: producer properties for the target cluster (bootstrap.servers, ...)'
            cand --include 'Regular expression of the topics to mirror'
            cand --num.streams 'Number of consumption streams (kbox uses one consumer and pipelines fetches instead)'
            cand --offset.commit.interval.ms 'How often source offsets are committed (after the target acknowledged everything)'
            cand --abort.on.send.failure 'Stop on the first record the target refuses (true), or log it and go on (false)'
            cand --stats-interval 'Seconds between stats lines on stderr (0: none)'
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand --no-create-topics 'Do not create missing topics on the target'
            cand --sync-group-offsets 'Also translate the source''s consumer-group offsets and commit them on the target at each offset commit (MirrorMaker 2''s sync.group.offsets), so consumers can fail over'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kbox;perf-test'= {
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand producer 'kafka-producer-perf-test.sh: produce a fixed number of records and report throughput and latency'
            cand consumer 'kafka-consumer-perf-test.sh: consume a number of records through a group'
            cand e2e 'kafka-e2e-latency.sh: produce one record at a time and time its arrival at a consumer'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kbox;perf-test;producer'= {
            cand --topic 'Produce records to this topic'
            cand --num-records 'Number of records to produce'
            cand --record-size 'Record size in bytes (one of --record-size, --payload-file, --payload-monotonic)'
            cand --payload-file 'File of payloads to pick from at random, split by --payload-delimiter (UTF-8)'
            cand --payload-delimiter 'Delimiter of the payloads in --payload-file'
            cand --throughput 'Throttle to about this many records/sec; -1 for no limit'
            cand --producer-props 'Producer properties, key=value (override --producer.config)'
            cand --producer.config 'Producer properties file'
            cand --command-property 'Producer property (KIP-1147 name of --producer-props); repeatable'
            cand --command-config 'Producer properties file (KIP-1147 name of --producer.config)'
            cand --bootstrap-server 'The broker list (wins over properties)'
            cand --transactional-id 'Run in transactions with this id'
            cand --transaction-duration-ms 'Length of each transaction, with --transactional-id'
            cand --warmup-records 'Records sent first and left out of the steady-state figures (KIP-1052)'
            cand --format '`json` prints one summary object instead of Apache''s lines'
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand --payload-monotonic 'Payload is the record''s number, as text'
            cand --print-metrics 'Print the client''s metrics at the end'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kbox;perf-test;consumer'= {
            cand --bootstrap-server 'The broker list'
            cand --topic 'The topic to consume from'
            cand --include 'A regular expression of topics to consume (instead of --topic)'
            cand --messages 'The number of records to consume'
            cand --num-records 'The number of records to consume'
            cand --group 'The group id to consume on'
            cand --fetch-size 'Bytes to fetch per partition per request (max.partition.fetch.bytes)'
            cand --socket-buffer-size 'Socket receive buffer (accepted for compatibility; the OS tunes it)'
            cand --consumer.config 'Consumer properties file'
            cand --command-config 'Consumer properties file (KIP-1147 name of --consumer.config)'
            cand --command-property 'A consumer property, key=value; repeatable'
            cand --reporting-interval 'Interval between detailed rows, ms'
            cand --timeout 'Give up when no record arrives for this long, ms'
            cand --date-format 'Java SimpleDateFormat pattern for the time columns'
            cand --format '`json` prints one summary object instead of Apache''s lines'
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand --from-latest 'Start from the end of the topic when the group has no committed offset'
            cand --print-metrics 'Print the client''s metrics at the end'
            cand --show-detailed-stats 'A row per reporting interval instead of one summary row'
            cand --hide-header 'Leave out the header line'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kbox;perf-test;e2e'= {
            cand --format '`json` prints one summary object instead of Apache''s lines'
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kbox;perf-test;help'= {
            cand producer 'kafka-producer-perf-test.sh: produce a fixed number of records and report throughput and latency'
            cand consumer 'kafka-consumer-perf-test.sh: consume a number of records through a group'
            cand e2e 'kafka-e2e-latency.sh: produce one record at a time and time its arrival at a consumer'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kbox;perf-test;help;producer'= {
        }
        &'kbox;perf-test;help;consumer'= {
        }
        &'kbox;perf-test;help;e2e'= {
        }
        &'kbox;perf-test;help;help'= {
        }
        &'kbox;completions'= {
            cand --generate-files 'Write every shell''s script into DIR/completions and a man page per command into DIR/man (the checked-in files of a kbox checkout)'
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kbox;broker-api-versions'= {
            cand --bootstrap-server 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2'
            cand --command-config 'Property file with configs for the admin client'
            cand --format 'Output format: Apache''s text or JSON'
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kbox;cluster-id'= {
            cand --bootstrap-server 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2'
            cand --config 'Property file with configs for the admin client'
            cand --command-config 'Property file with configs for the admin client'
            cand --format 'Output format: Apache''s text or JSON'
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kbox;acls'= {
            cand --bootstrap-server 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2'
            cand --command-config 'A property file containing configs to be passed to the admin client'
            cand --topic 'Topic to which ACLs should be added or removed; ''*'' means all topics (repeatable)'
            cand --group 'Consumer group to which ACLs should be added or removed; ''*'' means all groups (repeatable)'
            cand --transactional-id 'Transactional id to which ACLs should be added or removed (repeatable)'
            cand --delegation-token 'Delegation token to which ACLs should be added or removed (repeatable)'
            cand --user-principal 'A user principal as a resource, for CreateTokens/DescribeTokens (repeatable)'
            cand --resource-pattern-type 'Pattern type: literal or prefixed when adding; also any or match when listing or removing [default: literal; any for --list]'
            cand --operation 'Operation being allowed or denied: Read, Write, Create, Delete, Alter, Describe, ClusterAction, DescribeConfigs, AlterConfigs, IdempotentWrite, CreateTokens, DescribeTokens, All (repeatable) [default: All]'
            cand --allow-principal 'Principal in principalType:name form, e.g. User:alice, or User:''*'' (repeatable)'
            cand --deny-principal 'Principal to deny; deny rules take precedence over allow rules (repeatable)'
            cand --principal 'With --list: only the ACLs of this principal (repeatable)'
            cand --allow-host 'Host the allowed principals may connect from [default: * when --allow-principal]'
            cand --deny-host 'Host the denied principals are denied from [default: * when --deny-principal]'
            cand --format 'Output format for --list: Apache''s text or JSON'
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand --add 'Indicates you are trying to add ACLs'
            cand --remove 'Indicates you are trying to remove ACLs'
            cand --list 'List ACLs for the specified resource (all ACLs when none is given)'
            cand --cluster 'Add/Remove cluster ACLs'
            cand --producer 'Producer role: WRITE, DESCRIBE and CREATE on the topics (WRITE, DESCRIBE on transactional ids; IDEMPOTENT_WRITE on the cluster with --idempotent)'
            cand --consumer 'Consumer role: READ, DESCRIBE on the topics and READ on the groups'
            cand --idempotent 'With --producer: also IDEMPOTENT_WRITE on the cluster'
            cand --force 'Assume yes to all queries and do not prompt'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kbox;leader-election'= {
            cand --bootstrap-server 'REQUIRED: host:port of a broker; several may be given, comma-separated'
            cand --election-type 'REQUIRED: "PREFERRED" (only where the preferred replica does not lead) or "UNCLEAN" (only where no leader exists)'
            cand --topic 'The topic of the partition to elect for (with --partition)'
            cand --partition 'The partition to elect for; required with --topic'
            cand --path-to-json-file 'JSON file of partitions: {"partitions": [{"topic": "foo", "partition": 1}]}'
            cand --admin.config '(Deprecated) Property file for the admin client; use --command-config'
            cand --command-config 'Property file for the admin client'
            cand --format 'Output format: Apache''s text or JSON'
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand --all-topic-partitions 'Elect on every eligible partition'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kbox;reassign-partitions'= {
            cand --bootstrap-server 'The server(s) to use for bootstrapping'
            cand --command-config 'Property file containing configs to be passed to the admin client'
            cand --reassignment-json-file '{"partitions":[{"topic":"foo","partition":1,"replicas":[1,2,3],"log_dirs":["any","any","any"]}],"version":1}'
            cand --topics-to-move-json-file '{"topics":[{"topic":"foo"},{"topic":"foo1"}],"version":1}'
            cand --broker-list 'Brokers to move the partitions to, as "0,1,2" (with --generate)'
            cand --throttle 'Inter-broker throttle in bytes/sec while the partitions move (followers'' fetches of the moving replicas are held to it); --verify removes it once done'
            cand --replica-alter-log-dirs-throttle 'Log-dir move throttle in bytes/sec (accepted; kbox does not move replicas between log dirs)'
            cand --timeout 'Maximum time in ms to wait for log-dir moves to begin'
            cand --format 'Output format: Apache''s text or JSON'
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand --generate 'Generate a candidate reassignment moving the topics of --topics-to-move-json-file to the brokers of --broker-list. Prints it; changes nothing'
            cand --execute 'Start the reassignment of --reassignment-json-file'
            cand --verify 'Check whether the reassignment of --reassignment-json-file completed'
            cand --cancel 'Cancel the active reassignment of --reassignment-json-file''s partitions'
            cand --list 'List every active partition reassignment'
            cand --disable-rack-aware 'Ignore broker racks when generating'
            cand --additional 'Execute in addition to reassignments already running'
            cand --preserve-throttles 'Do not modify broker or topic throttles'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kbox;metadata-quorum'= {
            cand --bootstrap-server 'A comma-separated list of host:port pairs to use for establishing the connection to the Kafka cluster'
            cand --bootstrap-controller 'A comma-separated list of host:port pairs to use for establishing the connection to the Kafka controllers'
            cand --command-config 'Property file containing configs to be passed to Admin Client. For add-controller, the file is used to specify the controller properties as well'
            cand --config 'Property file containing configs to be passed to Admin Client. For add-controller, the file is used to specify the controller properties as well'
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand describe 'Describe the metadata quorum info'
            cand add-controller 'Add a controller to the KRaft controller cluster'
            cand remove-controller 'Remove a controller from the KRaft controller cluster'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kbox;metadata-quorum;describe'= {
            cand --command-config 'Property file containing configs to be passed to Admin Client. For add-controller, the file is used to specify the controller properties as well'
            cand --config 'Property file containing configs to be passed to Admin Client. For add-controller, the file is used to specify the controller properties as well'
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand --status 'A short summary of the quorum status'
            cand --replication 'Detailed information about the status of replication'
            cand --human-readable 'Human-readable output (with --replication)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kbox;metadata-quorum;add-controller'= {
            cand --command-config 'Property file containing configs to be passed to Admin Client. For add-controller, the file is used to specify the controller properties as well'
            cand --config 'Property file containing configs to be passed to Admin Client. For add-controller, the file is used to specify the controller properties as well'
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand --dry-run 'True if we should print what would be done, but not do it'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kbox;metadata-quorum;remove-controller'= {
            cand -i 'The id of the controller to remove'
            cand --controller-id 'The id of the controller to remove'
            cand -d 'The directory ID of the controller to remove'
            cand --controller-directory-id 'The directory ID of the controller to remove'
            cand --command-config 'Property file containing configs to be passed to Admin Client. For add-controller, the file is used to specify the controller properties as well'
            cand --config 'Property file containing configs to be passed to Admin Client. For add-controller, the file is used to specify the controller properties as well'
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand --dry-run 'True if we should print what would be done, but not do it'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kbox;metadata-quorum;help'= {
            cand describe 'Describe the metadata quorum info'
            cand add-controller 'Add a controller to the KRaft controller cluster'
            cand remove-controller 'Remove a controller from the KRaft controller cluster'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kbox;metadata-quorum;help;describe'= {
        }
        &'kbox;metadata-quorum;help;add-controller'= {
        }
        &'kbox;metadata-quorum;help;remove-controller'= {
        }
        &'kbox;metadata-quorum;help;help'= {
        }
        &'kbox;log-dirs'= {
            cand --bootstrap-server 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2'
            cand --broker-list 'Comma separated broker ids to query; all brokers when absent'
            cand --topic-list 'Comma separated topics to show; all topics when absent'
            cand --command-config 'Property file with configs for the admin client'
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand --describe 'Describe the log directories (the only action)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kbox;transactions'= {
            cand --bootstrap-server 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2'
            cand --command-config 'Property file with configs for the admin client'
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'List transactions'
            cand describe 'Describe the state of a transaction'
            cand describe-producers 'Describe the states of a partition''s active producers'
            cand abort 'Abort a hanging transaction on a partition'
            cand find-hanging 'Find transactions open on partitions longer than the maximum transaction timeout that their coordinator no longer has ongoing there'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kbox;transactions;list'= {
            cand --bootstrap-server 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2'
            cand --command-config 'Property file with configs for the admin client'
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kbox;transactions;describe'= {
            cand --transactional-id 'The transactional id'
            cand --bootstrap-server 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2'
            cand --command-config 'Property file with configs for the admin client'
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kbox;transactions;describe-producers'= {
            cand --topic 'topic'
            cand --partition 'partition'
            cand --bootstrap-server 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2'
            cand --command-config 'Property file with configs for the admin client'
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kbox;transactions;abort'= {
            cand --topic 'topic'
            cand --partition 'partition'
            cand --start-offset 'The first offset of the transaction to abort'
            cand --producer-id 'The producer id (with --producer-epoch and --coordinator-epoch, instead of --start-offset)'
            cand --producer-epoch 'producer-epoch'
            cand --coordinator-epoch 'coordinator-epoch'
            cand --bootstrap-server 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2'
            cand --command-config 'Property file with configs for the admin client'
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kbox;transactions;find-hanging'= {
            cand --broker-id 'Look at every partition led by this broker'
            cand --topic 'Look at this topic''s partitions'
            cand --partition 'With --topic: only this partition'
            cand --max-transaction-timeout 'Minutes after which an open transaction is suspect (the brokers'' transaction.max.timeout.ms)'
            cand --bootstrap-server 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2'
            cand --command-config 'Property file with configs for the admin client'
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kbox;transactions;help'= {
            cand list 'List transactions'
            cand describe 'Describe the state of a transaction'
            cand describe-producers 'Describe the states of a partition''s active producers'
            cand abort 'Abort a hanging transaction on a partition'
            cand find-hanging 'Find transactions open on partitions longer than the maximum transaction timeout that their coordinator no longer has ongoing there'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kbox;transactions;help;list'= {
        }
        &'kbox;transactions;help;describe'= {
        }
        &'kbox;transactions;help;describe-producers'= {
        }
        &'kbox;transactions;help;abort'= {
        }
        &'kbox;transactions;help;find-hanging'= {
        }
        &'kbox;transactions;help;help'= {
        }
        &'kbox;shell'= {
            cand --bootstrap-server 'The cluster every command talks to (HOST1:PORT1,HOST2:PORT2)'
            cand --command-config 'Client properties for the shell''s own lookups (completion of topics and groups)'
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kbox;install-links'= {
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
            cand --force 'Replace files or links that already exist under those names'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'kbox;kcat'= {
            cand --log-level 'Log level for messages on stderr (error, warn, info, debug, trace); RUST_LOG overrides'
            cand --profile 'Client profile: a named cluster in $KBOX_PROFILES or ~/.config/kbox/profiles, for every command that talks to a cluster'
            cand -X 'A client property, key=value, for every command that talks to a cluster (repeatable)'
        }
        &'kbox;help'= {
            cand storage 'Format and inspect log directories (kafka-storage.sh)'
            cand server-start 'Run a broker (kafka-server-start.sh). With no config: a single local node on 127.0.0.1:9092'
            cand server-stop 'Stop brokers started by kbox server-start (kafka-server-stop.sh)'
            cand consumer-groups 'List, describe, delete consumer groups and reset their offsets (kafka-consumer-groups.sh)'
            cand get-offsets 'Print topic-partition offsets (kafka-get-offsets.sh)'
            cand configs 'Describe and alter topic, broker and group configs (kafka-configs.sh)'
            cand delete-records 'Delete records before given offsets (kafka-delete-records.sh)'
            cand dump-log 'Print the batches, records and index entries of log segment files (kafka-dump-log.sh)'
            cand topics 'Create, list, describe, alter and delete topics (kafka-topics.sh)'
            cand console-producer 'Read lines from stdin and produce them as records (kafka-console-producer.sh)'
            cand console-consumer 'Print records to stdout (kafka-console-consumer.sh)'
            cand mirror-maker 'Copy topics from one cluster to another (kafka-mirror-maker.sh)'
            cand perf-test 'Measure producer, consumer and end-to-end performance (Apache''s perf tools)'
            cand completions 'Print a shell completion script (bash, zsh, fish, powershell, elvish)'
            cand broker-api-versions 'kafka-broker-api-versions.sh: the API versions each broker supports'
            cand cluster-id 'kafka-cluster.sh cluster-id: print the cluster''s id'
            cand acls 'kafka-acls.sh: add, remove and list ACLs'
            cand leader-election 'kafka-leader-election.sh: preferred or unclean leader election'
            cand reassign-partitions 'kafka-reassign-partitions.sh: move partitions to other brokers'
            cand metadata-quorum 'kafka-metadata-quorum.sh: the controller quorum''s status and replication'
            cand log-dirs 'kafka-log-dirs.sh: log directories and partition sizes per broker'
            cand transactions 'kafka-transactions.sh: list, describe, find hanging and abort transactions'
            cand shell 'An interactive prompt running kbox commands against one cluster'
            cand install-links 'Create a link for every Apache tool name (and kcat) kbox answers to'
            cand kcat 'kcat: produce, consume, list metadata, query offsets, with kcat''s flags and output'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'kbox;help;storage'= {
            cand random-uuid 'Print a new random cluster id (22 base64 characters)'
            cand format 'Write meta.properties into every log directory of a config'
            cand info 'Show the log directories of a config and any problem with them'
        }
        &'kbox;help;storage;random-uuid'= {
        }
        &'kbox;help;storage;format'= {
        }
        &'kbox;help;storage;info'= {
        }
        &'kbox;help;server-start'= {
        }
        &'kbox;help;server-stop'= {
        }
        &'kbox;help;consumer-groups'= {
        }
        &'kbox;help;get-offsets'= {
        }
        &'kbox;help;configs'= {
        }
        &'kbox;help;delete-records'= {
        }
        &'kbox;help;dump-log'= {
        }
        &'kbox;help;topics'= {
        }
        &'kbox;help;console-producer'= {
        }
        &'kbox;help;console-consumer'= {
        }
        &'kbox;help;mirror-maker'= {
        }
        &'kbox;help;perf-test'= {
            cand producer 'kafka-producer-perf-test.sh: produce a fixed number of records and report throughput and latency'
            cand consumer 'kafka-consumer-perf-test.sh: consume a number of records through a group'
            cand e2e 'kafka-e2e-latency.sh: produce one record at a time and time its arrival at a consumer'
        }
        &'kbox;help;perf-test;producer'= {
        }
        &'kbox;help;perf-test;consumer'= {
        }
        &'kbox;help;perf-test;e2e'= {
        }
        &'kbox;help;completions'= {
        }
        &'kbox;help;broker-api-versions'= {
        }
        &'kbox;help;cluster-id'= {
        }
        &'kbox;help;acls'= {
        }
        &'kbox;help;leader-election'= {
        }
        &'kbox;help;reassign-partitions'= {
        }
        &'kbox;help;metadata-quorum'= {
            cand describe 'Describe the metadata quorum info'
            cand add-controller 'Add a controller to the KRaft controller cluster'
            cand remove-controller 'Remove a controller from the KRaft controller cluster'
        }
        &'kbox;help;metadata-quorum;describe'= {
        }
        &'kbox;help;metadata-quorum;add-controller'= {
        }
        &'kbox;help;metadata-quorum;remove-controller'= {
        }
        &'kbox;help;log-dirs'= {
        }
        &'kbox;help;transactions'= {
            cand list 'List transactions'
            cand describe 'Describe the state of a transaction'
            cand describe-producers 'Describe the states of a partition''s active producers'
            cand abort 'Abort a hanging transaction on a partition'
            cand find-hanging 'Find transactions open on partitions longer than the maximum transaction timeout that their coordinator no longer has ongoing there'
        }
        &'kbox;help;transactions;list'= {
        }
        &'kbox;help;transactions;describe'= {
        }
        &'kbox;help;transactions;describe-producers'= {
        }
        &'kbox;help;transactions;abort'= {
        }
        &'kbox;help;transactions;find-hanging'= {
        }
        &'kbox;help;shell'= {
        }
        &'kbox;help;install-links'= {
        }
        &'kbox;help;kcat'= {
        }
        &'kbox;help;help'= {
        }
    ]
    $completions[$command]
}
