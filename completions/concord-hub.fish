function __concord-hub_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __concord-hub_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __concord-hub_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __concord-hub_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __concord-hub_parse_tokens -S
    set -l unparsed_tokens (__concord-hub_tokens -pc)
    switch $unparsed_tokens[1]
    case 'concord-hub'
        __concord-hub_parse_subcommand 0 'h/help'
        switch $unparsed_tokens[1]
        case 'init'
            __concord-hub_parse_subcommand 0 'data-dir=' 'hostname=+' 'host=' 'port=' 'cert=' 'key=' 'admin-id=' 'admin-name=' 'database-url=' 'database-password-file=' 'h/help'
        case 'serve'
            __concord-hub_parse_subcommand 0 'data-dir=' 'config=' 'port=' 'h/help'
        case 'agency'
            __concord-hub_parse_subcommand 0 'h/help'
            switch $unparsed_tokens[1]
            case 'add'
                __concord-hub_parse_subcommand 1 'name=' 'role=' 'token-file=' 'data-dir=' 'config=' 'h/help'
            case 'list'
                __concord-hub_parse_subcommand 0 'data-dir=' 'config=' 'h/help'
            case 'revoke'
                __concord-hub_parse_subcommand 1 'data-dir=' 'config=' 'h/help'
            case 'rotate'
                __concord-hub_parse_subcommand 1 'token-file=' 'data-dir=' 'config=' 'h/help'
            case 'certificate'
                __concord-hub_parse_subcommand 1 'data-dir=' 'config=' 'h/help'
            end
        case 'check-config'
            __concord-hub_parse_subcommand 0 'data-dir=' 'config=' 'h/help'
        case 'migrate'
            __concord-hub_parse_subcommand 0 'from=' 'to=' 'password-file=' 'h/help'
        case 'help'
            __concord-hub_parse_subcommand -r 1 
        end
    end
end

function __concord-hub_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __concord-hub_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __concord-hub_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __concord-hub_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__concord-hub_tokens -p)
    if test -z "$(__concord-hub_tokens -t)"
        set -l index (count (__concord-hub_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'concord-hub' -f
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_positional "concord-hub" -eq 1' -fa 'init' -d 'Create the data directory, database, TLS certificates and the first admin token.'
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_positional "concord-hub" -eq 1' -fa 'serve' -d 'Serve the HTTPS API until SIGTERM or SIGINT.'
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_positional "concord-hub" -eq 1' -fa 'agency' -d 'Manage agencies and tokens directly on the database.'
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_positional "concord-hub" -eq 1' -fa 'check-config' -d 'Check the config, TLS files and RAG schemes, then exit.'
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_positional "concord-hub" -eq 1' -fa 'migrate' -d 'Copy a SQLite hub into an empty PostgreSQL database, then verify the copy equals it.'
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_positional "concord-hub" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub init" data-dir' -l 'data-dir' -d 'Where the hub keeps its state (created 0700).' -rfka ''
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub init"' -l 'hostname' -d 'A name or address agents use to reach the hub (repeatable).' -rfka ''
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub init" host' -l 'host' -d 'Address to listen on.' -rfka ''
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub init" port' -l 'port' -d 'TCP port to listen on.' -rfka ''
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub init" cert' -l 'cert' -d 'Use this PEM certificate chain instead of generating a local CA.' -rfka ''
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub init" key' -l 'key' -d 'The PEM private key of --cert.' -rfka ''
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub init" admin-id' -l 'admin-id' -d 'The business unit\'s agency id.' -rfka ''
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub init" admin-name' -l 'admin-name' -d 'The business unit\'s name.' -rfka ''
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub init" database-url' -l 'database-url' -d 'sqlite:PATH (default sqlite:hub.sqlite in the data directory) or postgres://USER@HOST:PORT/DB?sslmode=verify-full. Never a password: see --database-password-file.' -rfka ''
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub init" database-password-file' -l 'database-password-file' -d 'A file holding the PostgreSQL password (the systemd credential db-password wins when present).' -rfka ''
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub init" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub serve" data-dir' -l 'data-dir' -d 'The hub\'s data directory (holds hub.json).' -rfka ''
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub serve" config' -l 'config' -d 'The hub\'s config file (default: DATA-DIR/hub.json).' -rfka ''
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub serve" port' -l 'port' -d 'Listen on this port instead of the config\'s (several hub processes on one PostgreSQL database share one config).' -rfka ''
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub serve" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub agency" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_positional "concord-hub agency" -eq 1' -fa 'add' -d 'Add an agency and print its token once.'
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_positional "concord-hub agency" -eq 1' -fa 'list' -d 'List agencies, their roles and active tokens.'
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_positional "concord-hub agency" -eq 1' -fa 'revoke' -d 'Revoke every token of an agency.'
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_positional "concord-hub agency" -eq 1' -fa 'rotate' -d 'Issue a new token for an agency and revoke its old ones.'
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_positional "concord-hub agency" -eq 1' -fa 'certificate' -d 'Issue a client certificate for an agency\'s agent, signed by the hub\'s local CA.'
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub agency add" name' -l 'name' -d 'The agency\'s name.' -rfka ''
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub agency add" role' -l 'role' -d 'agency, admin or viewer.' -rfka ''
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub agency add" token-file' -l 'token-file' -d 'Write the token to this file (0600) instead of printing it.' -rfka ''
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub agency add" data-dir' -l 'data-dir' -d 'The hub\'s data directory (holds hub.json).' -rfka ''
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub agency add" config' -l 'config' -d 'The hub\'s config file (default: DATA-DIR/hub.json).' -rfka ''
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub agency add" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub agency list" data-dir' -l 'data-dir' -d 'The hub\'s data directory (holds hub.json).' -rfka ''
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub agency list" config' -l 'config' -d 'The hub\'s config file (default: DATA-DIR/hub.json).' -rfka ''
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub agency list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub agency revoke" data-dir' -l 'data-dir' -d 'The hub\'s data directory (holds hub.json).' -rfka ''
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub agency revoke" config' -l 'config' -d 'The hub\'s config file (default: DATA-DIR/hub.json).' -rfka ''
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub agency revoke" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub agency rotate" token-file' -l 'token-file' -d 'Write the token to this file (0600) instead of printing it.' -rfka ''
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub agency rotate" data-dir' -l 'data-dir' -d 'The hub\'s data directory (holds hub.json).' -rfka ''
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub agency rotate" config' -l 'config' -d 'The hub\'s config file (default: DATA-DIR/hub.json).' -rfka ''
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub agency rotate" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub agency certificate" data-dir' -l 'data-dir' -d 'The hub\'s data directory (holds hub.json).' -rfka ''
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub agency certificate" config' -l 'config' -d 'The hub\'s config file (default: DATA-DIR/hub.json).' -rfka ''
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub agency certificate" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub check-config" data-dir' -l 'data-dir' -d 'The hub\'s data directory (holds hub.json).' -rfka ''
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub check-config" config' -l 'config' -d 'The hub\'s config file (default: DATA-DIR/hub.json).' -rfka ''
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub check-config" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub migrate" from' -l 'from' -d 'The SQLite hub: sqlite:PATH.' -rfka ''
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub migrate" to' -l 'to' -d 'The empty PostgreSQL database: postgres://USER@HOST:PORT/DB?sslmode=... (no password in it).' -rfka ''
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub migrate" password-file' -l 'password-file' -d 'A file holding the PostgreSQL password (or the systemd credential db-password).' -rfka ''
complete -c 'concord-hub' -n '__concord-hub_should_offer_completions_for_flags_or_options "concord-hub migrate" h help' -s 'h' -l 'help' -d 'Show help information.'
