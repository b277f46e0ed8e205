with

inquiries as (

    select * from int_inquiries

),

parameters as (

    select * from rule_parameters

),

weekly as (

    select
        process,
        week_start,
        cast(count(*) as bigint) as inquiries,
        sum(hours) as hours,
        sum(case when avoidable then hours else 0 end) as avoidable_hours,
        sum(case when demand_type = 'invoice_status' then hours else 0 end) as hours_invoice_status,
        sum(case when demand_type = 'case_status' then hours else 0 end) as hours_case_status,
        sum(case when demand_type = 'missing_information' then hours else 0 end) as hours_missing_information,
        sum(case when demand_type = 'duplicate_request' then hours else 0 end) as hours_duplicate_request,
        sum(case when demand_type = 'processing_time' then hours else 0 end) as hours_processing_time,
        cast(sum(case when hours_estimated then 1 else 0 end) as bigint) as inquiries_with_default_hours

    from inquiries
    group by process, week_start

)

select
    weekly.process,
    weekly.week_start,
    weekly.inquiries,
    weekly.hours,
    weekly.avoidable_hours,
    weekly.hours_invoice_status,
    weekly.hours_case_status,
    weekly.hours_missing_information,
    weekly.hours_duplicate_request,
    weekly.hours_processing_time,
    weekly.hours * 52 / parameters.hours_per_fte_year as fte,
    weekly.avoidable_hours * 52 / parameters.hours_per_fte_year as avoidable_fte,
    -- "växa utan att växa": halve every avoidable type and the freed hours absorb this much growth
    weekly.avoidable_hours / 2 as freed_hours_if_halved,
    case
        when weekly.hours - weekly.avoidable_hours / 2 > 0
            then (weekly.avoidable_hours / 2) / (weekly.hours - weekly.avoidable_hours / 2)
    end as growth_headroom_if_halved,
    weekly.inquiries_with_default_hours

from weekly
cross join parameters
order by weekly.process, weekly.week_start
