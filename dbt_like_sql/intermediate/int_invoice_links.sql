with

inquiries as (

    select * from int_inquiries

),

invoices as (

    select * from int_invoices

),

by_reference as (

    select
        inquiries.inquiry_id,
        invoices.invoice_ref,
        'reference' as link_method

    from inquiries
    inner join invoices on invoices.invoice_ref = inquiries.invoice_ref

),

-- without a reference: the citizen's latest invoice in the process issued before the contact
by_citizen as (

    select
        inquiries.inquiry_id,
        invoices.invoice_ref,
        'citizen_process_time' as link_method,
        row_number() over (
            partition by inquiries.inquiry_id
            order by invoices.issued_at desc, invoices.invoice_ref
        ) as nearness

    from inquiries
    inner join invoices
        on invoices.citizen_key = inquiries.citizen_key
        and invoices.process = inquiries.process
        and invoices.issued_at <= inquiries.occurred_at
    where inquiries.inquiry_id not in (select inquiry_id from by_reference)

)

select inquiry_id, invoice_ref, link_method from by_reference
union all
select inquiry_id, invoice_ref, link_method from by_citizen where nearness = 1
