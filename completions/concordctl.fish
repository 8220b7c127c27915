function __concordctl_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __concordctl_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __concordctl_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __concordctl_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __concordctl_parse_tokens -S
    set -l unparsed_tokens (__concordctl_tokens -pc)
    switch $unparsed_tokens[1]
    case 'concordctl'
        __concordctl_parse_subcommand 0 'h/help'
        switch $unparsed_tokens[1]
        case 'status'
            __concordctl_parse_subcommand 0 'socket=' 'json' 'h/help'
        case 'actions'
            __concordctl_parse_subcommand 0 'socket=' 'json' 'plan=' 'agency=' 'rag=' 'overdue' 'mine' 'h/help'
        case 'show'
            __concordctl_parse_subcommand 1 'socket=' 'json' 'h/help'
        case 'update'
            __concordctl_parse_subcommand 1 'socket=' 'json' 'rag=' 'progress=' 'target-date=' 'reason=' 'success-measure=' 'lead-officer=' 'description=' 'completed-on=' 'h/help'
        case 'evidence'
            __concordctl_parse_subcommand 0 'h/help'
            switch $unparsed_tokens[1]
            case 'add'
                __concordctl_parse_subcommand 1 'socket=' 'json' 'summary=' 'kind=' 'ref=' 'h/help'
            end
        case 'note'
            __concordctl_parse_subcommand 0 'h/help'
            switch $unparsed_tokens[1]
            case 'add'
                __concordctl_parse_subcommand 2 'socket=' 'json' 'h/help'
            end
        case 'sync'
            __concordctl_parse_subcommand 0 'socket=' 'json' 'wait=' 'h/help'
        case 'conflicts'
            __concordctl_parse_subcommand 0 'socket=' 'json' 'h/help'
        case 'problems'
            __concordctl_parse_subcommand 0 'socket=' 'json' 'h/help'
        case 'hub'
            __concordctl_parse_subcommand 0 'h/help'
            switch $unparsed_tokens[1]
            case 'agencies'
                __concordctl_parse_subcommand 0 'h/help'
                switch $unparsed_tokens[1]
                case 'list'
                    __concordctl_parse_subcommand 0 'hub=' 'token-file=' 'ca-file=' 'json' 'silent=' 'h/help'
                case 'add'
                    __concordctl_parse_subcommand 1 'hub=' 'token-file=' 'ca-file=' 'json' 'name=' 'role=' 'h/help'
                case 'revoke'
                    __concordctl_parse_subcommand 1 'hub=' 'token-file=' 'ca-file=' 'json' 'h/help'
                end
            case 'plans'
                __concordctl_parse_subcommand 0 'hub=' 'token-file=' 'ca-file=' 'json' 'h/help'
            case 'import'
                __concordctl_parse_subcommand 2 'hub=' 'token-file=' 'ca-file=' 'json' 'title=' 'scheme=' 'h/help'
            case 'export'
                __concordctl_parse_subcommand 1 'hub=' 'token-file=' 'ca-file=' 'json' 'h/help'
            case 'conflicts'
                __concordctl_parse_subcommand 0 'h/help'
                switch $unparsed_tokens[1]
                case 'list'
                    __concordctl_parse_subcommand 0 'hub=' 'token-file=' 'ca-file=' 'json' 'open' 'h/help'
                case 'show'
                    __concordctl_parse_subcommand 1 'hub=' 'token-file=' 'ca-file=' 'json' 'h/help'
                end
            case 'resolve'
                __concordctl_parse_subcommand 1 'hub=' 'token-file=' 'ca-file=' 'json' 'keep-hub' 'take-agency' 'value=' 'reason=' 'replaces=' 'h/help'
            case 'history'
                __concordctl_parse_subcommand 1 'hub=' 'token-file=' 'ca-file=' 'json' 'h/help'
            case 'report'
                __concordctl_parse_subcommand 1 'hub=' 'token-file=' 'ca-file=' 'json' 'as-of=' 'since=' 'format=' 'o/output=' 'h/help'
            case 'meetings'
                __concordctl_parse_subcommand 0 'h/help'
                switch $unparsed_tokens[1]
                case 'list'
                    __concordctl_parse_subcommand 0 'hub=' 'token-file=' 'ca-file=' 'json' 'h/help'
                case 'add'
                    __concordctl_parse_subcommand 1 'hub=' 'token-file=' 'ca-file=' 'json' 'date=' 'title=' 'h/help'
                case 'remove'
                    __concordctl_parse_subcommand 1 'hub=' 'token-file=' 'ca-file=' 'json' 'h/help'
                end
            case 'protect'
                __concordctl_parse_subcommand 1 'hub=' 'token-file=' 'ca-file=' 'json' 'add-from=' 'remove-from=' 'h/help'
            case 'screen'
                __concordctl_parse_subcommand 1 'hub=' 'token-file=' 'ca-file=' 'json' 'h/help'
            case 'redact'
                __concordctl_parse_subcommand 1 'hub=' 'token-file=' 'ca-file=' 'json' 'field=' 'kind=' 'reason=' 'h/help'
            end
        case 'help'
            __concordctl_parse_subcommand -r 1 
        end
    end
end

function __concordctl_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __concordctl_parse_subcommand -S -a positional_count
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

function __concordctl_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __concordctl_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__concordctl_tokens -p)
    if test -z "$(__concordctl_tokens -t)"
        set -l index (count (__concordctl_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'concordctl' -f
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_positional "concordctl" -eq 1' -fa 'status' -d 'Show the agent: hub, online or offline, last sync, pending changes, conflicts.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_positional "concordctl" -eq 1' -fa 'actions' -d 'List actions as a table.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_positional "concordctl" -eq 1' -fa 'show' -d 'Show every field of an action, its evidence and notes, and pending or conflicted edits.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_positional "concordctl" -eq 1' -fa 'update' -d 'Update fields of an action (checked against the plan\'s rules before it is queued).'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_positional "concordctl" -eq 1' -fa 'evidence' -d 'Add evidence to an action.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_positional "concordctl" -eq 1' -fa 'note' -d 'Add a progress note to an action.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_positional "concordctl" -eq 1' -fa 'sync' -d 'Sync with the hub now and say what was pushed and pulled.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_positional "concordctl" -eq 1' -fa 'conflicts' -d 'Your agency\'s conflicts, open and resolved, with both values.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_positional "concordctl" -eq 1' -fa 'problems' -d 'Your changes the hub rejected or found in conflict, with the reasons (newest first).'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_positional "concordctl" -eq 1' -fa 'hub' -d 'Administer the hub: agencies and tokens, plans, conflicts, audit history, reports, identifier screening.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_positional "concordctl" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl status" socket' -l 'socket' -d 'The agent\'s control socket (default: $CONCORD_SOCKET or /run/concord-agent/control.sock).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl status" json' -l 'json' -d 'Print JSON (stable field names) instead of tables.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl status" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl actions" socket' -l 'socket' -d 'The agent\'s control socket (default: $CONCORD_SOCKET or /run/concord-agent/control.sock).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl actions" json' -l 'json' -d 'Print JSON (stable field names) instead of tables.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl actions" plan' -l 'plan' -d 'Only this plan.' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl actions" agency' -l 'agency' -d 'Only actions this agency leads or supports.' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl actions" rag' -l 'rag' -d 'Only this rating (or \'unrated\').' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl actions" overdue' -l 'overdue' -d 'Only actions past their target date and not completed.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl actions" mine' -l 'mine' -d 'Only actions your agency leads or supports.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl actions" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl show" socket' -l 'socket' -d 'The agent\'s control socket (default: $CONCORD_SOCKET or /run/concord-agent/control.sock).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl show" json' -l 'json' -d 'Print JSON (stable field names) instead of tables.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl show" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl update" socket' -l 'socket' -d 'The agent\'s control socket (default: $CONCORD_SOCKET or /run/concord-agent/control.sock).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl update" json' -l 'json' -d 'Print JSON (stable field names) instead of tables.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl update" rag' -l 'rag' -d 'The RAG rating (a rating of the plan\'s scheme).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl update" progress' -l 'progress' -d 'The progress summary.' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl update" target-date' -l 'target-date' -d 'The target date, YYYY-MM-DD (needs --reason when it moves).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl update" reason' -l 'reason' -d 'Why: required when the target date moves.' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl update" success-measure' -l 'success-measure' -d 'The success measure (SMART outcome).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl update" lead-officer' -l 'lead-officer' -d 'The lead officer, as a role.' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl update" description' -l 'description' -d 'A longer description.' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl update" completed-on' -l 'completed-on' -d 'The date the action was completed, YYYY-MM-DD.' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl update" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl evidence" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_positional "concordctl evidence" -eq 1' -fa 'add' -d 'Add an evidence item (what was done, or what difference it made).'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl evidence add" socket' -l 'socket' -d 'The agent\'s control socket (default: $CONCORD_SOCKET or /run/concord-agent/control.sock).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl evidence add" json' -l 'json' -d 'Print JSON (stable field names) instead of tables.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl evidence add" summary' -l 'summary' -d 'What the evidence is.' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl evidence add" kind' -l 'kind' -d 'output (something was done) or impact (it made a difference).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl evidence add" ref' -l 'ref' -d 'Where to find it: a document reference or URL.' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl evidence add" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl note" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_positional "concordctl note" -eq 1' -fa 'add' -d 'Add a progress note.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl note add" socket' -l 'socket' -d 'The agent\'s control socket (default: $CONCORD_SOCKET or /run/concord-agent/control.sock).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl note add" json' -l 'json' -d 'Print JSON (stable field names) instead of tables.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl note add" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl sync" socket' -l 'socket' -d 'The agent\'s control socket (default: $CONCORD_SOCKET or /run/concord-agent/control.sock).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl sync" json' -l 'json' -d 'Print JSON (stable field names) instead of tables.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl sync" wait' -l 'wait' -d 'Seconds to wait for the sync to finish (0-300).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl sync" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl conflicts" socket' -l 'socket' -d 'The agent\'s control socket (default: $CONCORD_SOCKET or /run/concord-agent/control.sock).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl conflicts" json' -l 'json' -d 'Print JSON (stable field names) instead of tables.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl conflicts" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl problems" socket' -l 'socket' -d 'The agent\'s control socket (default: $CONCORD_SOCKET or /run/concord-agent/control.sock).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl problems" json' -l 'json' -d 'Print JSON (stable field names) instead of tables.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl problems" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_positional "concordctl hub" -eq 1' -fa 'agencies' -d 'List agencies, or add or revoke one.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_positional "concordctl hub" -eq 1' -fa 'plans' -d 'List plans with counts by rating.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_positional "concordctl hub" -eq 1' -fa 'import' -d 'Create a plan from a spreadsheet (CSV), or re-import it.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_positional "concordctl hub" -eq 1' -fa 'export' -d 'Print a plan as CSV (the spreadsheet form).'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_positional "concordctl hub" -eq 1' -fa 'conflicts' -d 'List conflicts, or show one.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_positional "concordctl hub" -eq 1' -fa 'resolve' -d 'Resolve a conflict: keep the hub\'s value, take the agency\'s, or set a new one.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_positional "concordctl hub" -eq 1' -fa 'history' -d 'The audit trail of one action: every change, who, when, and what happened.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_positional "concordctl hub" -eq 1' -fa 'report' -d 'Write the committee report of a plan (or all plans), as at a time, since a meeting.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_positional "concordctl hub" -eq 1' -fa 'meetings' -d 'Committee meetings: named points in time a report compares with.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_positional "concordctl hub" -eq 1' -fa 'protect' -d 'Manage a plan\'s protected names (the children a review is about).'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_positional "concordctl hub" -eq 1' -fa 'screen' -d 'List identifying details in what the hub stores: records and their history.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_positional "concordctl hub" -eq 1' -fa 'redact' -d 'Redact one kind of identifying detail from one text of an action, in every stored copy.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub agencies" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_positional "concordctl hub agencies" -eq 1' -fa 'list' -d 'List agencies: role, active tokens, and when the hub last heard from each.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_positional "concordctl hub agencies" -eq 1' -fa 'add' -d 'Add an agency and print its token once.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_positional "concordctl hub agencies" -eq 1' -fa 'revoke' -d 'Revoke every token of an agency.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub agencies list" hub' -l 'hub' -d 'The hub\'s URL (or $CONCORD_HUB).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub agencies list" token-file' -l 'token-file' -d 'File holding an admin token (or $CONCORD_TOKEN_FILE).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub agencies list" ca-file' -l 'ca-file' -d 'The hub\'s CA certificate, PEM (or $CONCORD_CA_FILE).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub agencies list" json' -l 'json' -d 'Print JSON (stable field names) instead of tables.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub agencies list" silent' -l 'silent' -d 'Only agencies not heard from for this long (e.g. 3d, 12h, 30m; units s m h d w).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub agencies list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub agencies add" hub' -l 'hub' -d 'The hub\'s URL (or $CONCORD_HUB).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub agencies add" token-file' -l 'token-file' -d 'File holding an admin token (or $CONCORD_TOKEN_FILE).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub agencies add" ca-file' -l 'ca-file' -d 'The hub\'s CA certificate, PEM (or $CONCORD_CA_FILE).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub agencies add" json' -l 'json' -d 'Print JSON (stable field names) instead of tables.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub agencies add" name' -l 'name' -d 'The agency\'s name.' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub agencies add" role' -l 'role' -d 'agency, admin or viewer.' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub agencies add" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub agencies revoke" hub' -l 'hub' -d 'The hub\'s URL (or $CONCORD_HUB).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub agencies revoke" token-file' -l 'token-file' -d 'File holding an admin token (or $CONCORD_TOKEN_FILE).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub agencies revoke" ca-file' -l 'ca-file' -d 'The hub\'s CA certificate, PEM (or $CONCORD_CA_FILE).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub agencies revoke" json' -l 'json' -d 'Print JSON (stable field names) instead of tables.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub agencies revoke" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub plans" hub' -l 'hub' -d 'The hub\'s URL (or $CONCORD_HUB).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub plans" token-file' -l 'token-file' -d 'File holding an admin token (or $CONCORD_TOKEN_FILE).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub plans" ca-file' -l 'ca-file' -d 'The hub\'s CA certificate, PEM (or $CONCORD_CA_FILE).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub plans" json' -l 'json' -d 'Print JSON (stable field names) instead of tables.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub plans" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub import" hub' -l 'hub' -d 'The hub\'s URL (or $CONCORD_HUB).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub import" token-file' -l 'token-file' -d 'File holding an admin token (or $CONCORD_TOKEN_FILE).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub import" ca-file' -l 'ca-file' -d 'The hub\'s CA certificate, PEM (or $CONCORD_CA_FILE).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub import" json' -l 'json' -d 'Print JSON (stable field names) instead of tables.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub import" title' -l 'title' -d 'The plan\'s title.' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub import" scheme' -l 'scheme' -d 'The RAG scheme id (default: the hub\'s).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub import" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub export" hub' -l 'hub' -d 'The hub\'s URL (or $CONCORD_HUB).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub export" token-file' -l 'token-file' -d 'File holding an admin token (or $CONCORD_TOKEN_FILE).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub export" ca-file' -l 'ca-file' -d 'The hub\'s CA certificate, PEM (or $CONCORD_CA_FILE).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub export" json' -l 'json' -d 'Print JSON (stable field names) instead of tables.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub export" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub conflicts" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_positional "concordctl hub conflicts" -eq 1' -fa 'list' -d 'List conflicts (all agencies).'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_positional "concordctl hub conflicts" -eq 1' -fa 'show' -d 'Show one conflict.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub conflicts list" hub' -l 'hub' -d 'The hub\'s URL (or $CONCORD_HUB).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub conflicts list" token-file' -l 'token-file' -d 'File holding an admin token (or $CONCORD_TOKEN_FILE).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub conflicts list" ca-file' -l 'ca-file' -d 'The hub\'s CA certificate, PEM (or $CONCORD_CA_FILE).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub conflicts list" json' -l 'json' -d 'Print JSON (stable field names) instead of tables.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub conflicts list" open' -l 'open' -d 'Only open conflicts.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub conflicts list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub conflicts show" hub' -l 'hub' -d 'The hub\'s URL (or $CONCORD_HUB).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub conflicts show" token-file' -l 'token-file' -d 'File holding an admin token (or $CONCORD_TOKEN_FILE).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub conflicts show" ca-file' -l 'ca-file' -d 'The hub\'s CA certificate, PEM (or $CONCORD_CA_FILE).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub conflicts show" json' -l 'json' -d 'Print JSON (stable field names) instead of tables.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub conflicts show" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub resolve" hub' -l 'hub' -d 'The hub\'s URL (or $CONCORD_HUB).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub resolve" token-file' -l 'token-file' -d 'File holding an admin token (or $CONCORD_TOKEN_FILE).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub resolve" ca-file' -l 'ca-file' -d 'The hub\'s CA certificate, PEM (or $CONCORD_CA_FILE).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub resolve" json' -l 'json' -d 'Print JSON (stable field names) instead of tables.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub resolve" keep-hub' -l 'keep-hub' -d 'Keep the hub\'s value.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub resolve" take-agency' -l 'take-agency' -d 'Take the agency\'s value.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub resolve" value' -l 'value' -d 'Set this value instead.' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub resolve" reason' -l 'reason' -d 'Why (kept in the audit trail and shown to the agency).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub resolve" replaces' -l 'replaces' -d 'The field\'s current value, when it changed after the conflict: replace it knowingly.' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub resolve" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub history" hub' -l 'hub' -d 'The hub\'s URL (or $CONCORD_HUB).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub history" token-file' -l 'token-file' -d 'File holding an admin token (or $CONCORD_TOKEN_FILE).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub history" ca-file' -l 'ca-file' -d 'The hub\'s CA certificate, PEM (or $CONCORD_CA_FILE).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub history" json' -l 'json' -d 'Print JSON (stable field names) instead of tables.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub history" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub report" hub' -l 'hub' -d 'The hub\'s URL (or $CONCORD_HUB).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub report" token-file' -l 'token-file' -d 'File holding an admin token (or $CONCORD_TOKEN_FILE).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub report" ca-file' -l 'ca-file' -d 'The hub\'s CA certificate, PEM (or $CONCORD_CA_FILE).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub report" json' -l 'json' -d 'Print JSON (stable field names) instead of tables.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub report" as-of' -l 'as-of' -d 'The report as at this date (its end, in the hub\'s time zone) or time; default now.' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub report" since' -l 'since' -d 'Compare with this date (its start), time, meeting id, or last-meeting.' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub report" format' -l 'format' -d 'html (to email and print), md (committee papers) or csv (spreadsheets).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub report" o output' -l 'output' -s 'o' -d 'Write to this file instead of printing.' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub report" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub meetings" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_positional "concordctl hub meetings" -eq 1' -fa 'list' -d 'List the meetings, oldest first.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_positional "concordctl hub meetings" -eq 1' -fa 'add' -d 'Add a meeting.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_positional "concordctl hub meetings" -eq 1' -fa 'remove' -d 'Remove a meeting (reports keep working).'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub meetings list" hub' -l 'hub' -d 'The hub\'s URL (or $CONCORD_HUB).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub meetings list" token-file' -l 'token-file' -d 'File holding an admin token (or $CONCORD_TOKEN_FILE).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub meetings list" ca-file' -l 'ca-file' -d 'The hub\'s CA certificate, PEM (or $CONCORD_CA_FILE).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub meetings list" json' -l 'json' -d 'Print JSON (stable field names) instead of tables.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub meetings list" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub meetings add" hub' -l 'hub' -d 'The hub\'s URL (or $CONCORD_HUB).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub meetings add" token-file' -l 'token-file' -d 'File holding an admin token (or $CONCORD_TOKEN_FILE).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub meetings add" ca-file' -l 'ca-file' -d 'The hub\'s CA certificate, PEM (or $CONCORD_CA_FILE).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub meetings add" json' -l 'json' -d 'Print JSON (stable field names) instead of tables.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub meetings add" date' -l 'date' -d 'When: a date (its start, in the hub\'s time zone) or a time (2026-03-12T10:00:00Z).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub meetings add" title' -l 'title' -d 'What people call it.' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub meetings add" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub meetings remove" hub' -l 'hub' -d 'The hub\'s URL (or $CONCORD_HUB).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub meetings remove" token-file' -l 'token-file' -d 'File holding an admin token (or $CONCORD_TOKEN_FILE).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub meetings remove" ca-file' -l 'ca-file' -d 'The hub\'s CA certificate, PEM (or $CONCORD_CA_FILE).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub meetings remove" json' -l 'json' -d 'Print JSON (stable field names) instead of tables.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub meetings remove" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub protect" hub' -l 'hub' -d 'The hub\'s URL (or $CONCORD_HUB).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub protect" token-file' -l 'token-file' -d 'File holding an admin token (or $CONCORD_TOKEN_FILE).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub protect" ca-file' -l 'ca-file' -d 'The hub\'s CA certificate, PEM (or $CONCORD_CA_FILE).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub protect" json' -l 'json' -d 'Print JSON (stable field names) instead of tables.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub protect" add-from' -l 'add-from' -d 'Protect the names in FILE, one per line (- for stdin).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub protect" remove-from' -l 'remove-from' -d 'Stop protecting the names in FILE (- for stdin).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub protect" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub screen" hub' -l 'hub' -d 'The hub\'s URL (or $CONCORD_HUB).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub screen" token-file' -l 'token-file' -d 'File holding an admin token (or $CONCORD_TOKEN_FILE).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub screen" ca-file' -l 'ca-file' -d 'The hub\'s CA certificate, PEM (or $CONCORD_CA_FILE).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub screen" json' -l 'json' -d 'Print JSON (stable field names) instead of tables.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub screen" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub redact" hub' -l 'hub' -d 'The hub\'s URL (or $CONCORD_HUB).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub redact" token-file' -l 'token-file' -d 'File holding an admin token (or $CONCORD_TOKEN_FILE).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub redact" ca-file' -l 'ca-file' -d 'The hub\'s CA certificate, PEM (or $CONCORD_CA_FILE).' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub redact" json' -l 'json' -d 'Print JSON (stable field names) instead of tables.'
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub redact" field' -l 'field' -d 'The text, as hub screen names it: progress, note, evidence.summary, reason, …' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub redact" kind' -l 'kind' -d 'nhs-number, date-of-birth, protected-name, postcode, phone or email.' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub redact" reason' -l 'reason' -d 'Why: kept in the audit trail.' -rfka ''
complete -c 'concordctl' -n '__concordctl_should_offer_completions_for_flags_or_options "concordctl hub redact" h help' -s 'h' -l 'help' -d 'Show help information.'
