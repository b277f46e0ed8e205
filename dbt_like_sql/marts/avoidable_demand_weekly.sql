with

inquiries as (

    select * from inquiries

),

weekly as (

    select
        process,
        cast(date_trunc('week', occurred_at) as date) as week_start,
        cast(count(*) as bigint) as inquiries,
        cast(sum(case when avoidable then 1 else 0 end) as bigint) as avoidable_inquiries,
        cast(sum(case when demand_type = 'invoice_status' then 1 else 0 end) as bigint) as n_invoice_status,
        cast(sum(case when demand_type = 'case_status' then 1 else 0 end) as bigint) as n_case_status,
        cast(sum(case when demand_type = 'missing_information' then 1 else 0 end) as bigint) as n_missing_information,
        cast(sum(case when demand_type = 'duplicate_request' then 1 else 0 end) as bigint) as n_duplicate_request,
        cast(sum(case when demand_type = 'processing_time' then 1 else 0 end) as bigint) as n_processing_time,
        cast(sum(case when demand_type = 'value_demand' then 1 else 0 end) as bigint) as n_value_demand,
        cast(sum(case when needs_review then 1 else 0 end) as bigint) as needs_review

    from inquiries
    group by
        process,
        cast(date_trunc('week', occurred_at) as date)

)

select
    process,
    week_start,
    inquiries,
    avoidable_inquiries,
    cast(avoidable_inquiries as double) / inquiries as avoidable_share,
    n_invoice_status,
    n_case_status,
    n_missing_information,
    n_duplicate_request,
    n_processing_time,
    n_value_demand,
    needs_review

from weekly
order by process, week_start
