with

events as (

    select * from stg_case_events

),

case_type_map as (

    select * from process_map where field = 'case_type'

),

cases as (

    select
        case_ref,
        min(case_type) as case_type,
        min(citizen_key) as citizen_key,
        min(case when event = 'opened' then event_at end) as opened_at,
        min(case when event = 'completion_requested' then event_at end) as first_completion_requested_at,
        min(case when event = 'decided' then event_at end) as decided_at,
        max(case when event = 'closed' then event_at end) as closed_at,
        count(*) as events

    from events
    group by case_ref

)

select
    cases.case_ref,
    cases.case_type,
    coalesce(case_type_map.process, 'unmapped') as process,
    cases.citizen_key,
    cases.opened_at,
    cases.first_completion_requested_at,
    cases.decided_at,
    cases.closed_at,
    cases.events

from cases
left join case_type_map on case_type_map.value = lower(cases.case_type)
