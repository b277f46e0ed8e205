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
    inquiries.needs_review,
    inquiries.citizen_key,
    upper(trim(inquiries.case_ref)) as case_ref,
    trim(inquiries.invoice_ref) as invoice_ref,
    coalesce(inquiries.handled_seconds, handling.default_seconds, 0) / 3600.0 as hours,
    inquiries.handled_seconds is null as hours_estimated,
    -- the same citizen's previous inquiry in the same process, on any channel: the one figure that
    -- looks across weeks, kept per inquiry so that the marts read rows of their own week only
    case
        when inquiries.citizen_key is not null then
            lag(inquiries.inquiry_id) over (
                partition by inquiries.citizen_key, inquiries.process
                order by inquiries.occurred_at, inquiries.inquiry_id
            )
    end as previous_inquiry_id,
    case
        when inquiries.citizen_key is not null then
            date_diff(
                'second',
                lag(inquiries.occurred_at) over (
                    partition by inquiries.citizen_key, inquiries.process
                    order by inquiries.occurred_at, inquiries.inquiry_id
                ),
                inquiries.occurred_at
            ) / 86400.0
    end as days_since_previous

from inquiries
left join handling on handling.channel = inquiries.channel
