with

inquiries as (

    select * from inquiries

),

handling as (

    select * from handling_defaults

)

select
    inquiries.inquiry_id,
    inquiries.source,
    inquiries.occurred_at,
    cast(date_trunc('week', inquiries.occurred_at) as date) as week_start,
    inquiries.channel,
    inquiries.process,
    inquiries.demand_type,
    inquiries.avoidable,
    inquiries.label_origin,
    inquiries.citizen_key,
    upper(trim(inquiries.case_ref)) as case_ref,
    trim(inquiries.invoice_ref) as invoice_ref,
    coalesce(inquiries.handled_seconds, handling.default_seconds, 0) / 3600.0 as hours,
    inquiries.handled_seconds is null as hours_estimated

from inquiries
left join handling on handling.channel = inquiries.channel
