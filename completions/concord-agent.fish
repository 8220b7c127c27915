function __concord-agent_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __concord-agent_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __concord-agent_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __concord-agent_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __concord-agent_parse_tokens -S
    set -l unparsed_tokens (__concord-agent_tokens -pc)
    switch $unparsed_tokens[1]
    case 'concord-agent'
        __concord-agent_parse_subcommand 0 'h/help'
        switch $unparsed_tokens[1]
        case 'init'
            __concord-agent_parse_subcommand 0 'state-dir=' 'hub=' 'agency=' 'token-file=' 'ca-file=' 'h/help'
        case 'run'
            __concord-agent_parse_subcommand 0 'state-dir=' 'config=' 'h/help'
        case 'check-config'
            __concord-agent_parse_subcommand 0 'state-dir=' 'config=' 'h/help'
        case 'help'
            __concord-agent_parse_subcommand -r 1 
        end
    end
end

function __concord-agent_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __concord-agent_parse_subcommand -S -a positional_count
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

function __concord-agent_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __concord-agent_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__concord-agent_tokens -p)
    if test -z "$(__concord-agent_tokens -t)"
        set -l index (count (__concord-agent_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'concord-agent' -f
complete -c 'concord-agent' -n '__concord-agent_should_offer_completions_for_flags_or_options "concord-agent" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concord-agent' -n '__concord-agent_should_offer_completions_for_positional "concord-agent" -eq 1' -fa 'init' -d 'Write the agent\'s config into its state directory.'
complete -c 'concord-agent' -n '__concord-agent_should_offer_completions_for_positional "concord-agent" -eq 1' -fa 'run' -d 'Run the daemon: control socket, sync with the hub, until SIGTERM.'
complete -c 'concord-agent' -n '__concord-agent_should_offer_completions_for_positional "concord-agent" -eq 1' -fa 'check-config' -d 'Check the config, token and CA files, then exit.'
complete -c 'concord-agent' -n '__concord-agent_should_offer_completions_for_positional "concord-agent" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'concord-agent' -n '__concord-agent_should_offer_completions_for_flags_or_options "concord-agent init" state-dir' -l 'state-dir' -d 'Where the agent keeps its store (created 0700).' -rfka ''
complete -c 'concord-agent' -n '__concord-agent_should_offer_completions_for_flags_or_options "concord-agent init" hub' -l 'hub' -d 'The hub\'s URL, e.g. https://hub.example.org:8443.' -rfka ''
complete -c 'concord-agent' -n '__concord-agent_should_offer_completions_for_flags_or_options "concord-agent init" agency' -l 'agency' -d 'This agency\'s id, as the hub knows it.' -rfka ''
complete -c 'concord-agent' -n '__concord-agent_should_offer_completions_for_flags_or_options "concord-agent init" token-file' -l 'token-file' -d 'File holding the agency\'s hub token.' -rfka ''
complete -c 'concord-agent' -n '__concord-agent_should_offer_completions_for_flags_or_options "concord-agent init" ca-file' -l 'ca-file' -d 'The hub\'s CA certificate (PEM); default: the system\'s store.' -rfka ''
complete -c 'concord-agent' -n '__concord-agent_should_offer_completions_for_flags_or_options "concord-agent init" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concord-agent' -n '__concord-agent_should_offer_completions_for_flags_or_options "concord-agent run" state-dir' -l 'state-dir' -d 'The agent\'s state directory (holds agent.json).' -rfka ''
complete -c 'concord-agent' -n '__concord-agent_should_offer_completions_for_flags_or_options "concord-agent run" config' -l 'config' -d 'The agent\'s config file (default: STATE-DIR/agent.json).' -rfka ''
complete -c 'concord-agent' -n '__concord-agent_should_offer_completions_for_flags_or_options "concord-agent run" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concord-agent' -n '__concord-agent_should_offer_completions_for_flags_or_options "concord-agent check-config" state-dir' -l 'state-dir' -d 'The agent\'s state directory (holds agent.json).' -rfka ''
complete -c 'concord-agent' -n '__concord-agent_should_offer_completions_for_flags_or_options "concord-agent check-config" config' -l 'config' -d 'The agent\'s config file (default: STATE-DIR/agent.json).' -rfka ''
complete -c 'concord-agent' -n '__concord-agent_should_offer_completions_for_flags_or_options "concord-agent check-config" h help' -s 'h' -l 'help' -d 'Show help information.'
