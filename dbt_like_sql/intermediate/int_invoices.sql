with

invoices as (

    select * from stg_invoices

),

invoice_type_map as (

    select * from process_map where field = 'invoice_type'

)

select
    invoices.*,
    coalesce(invoice_type_map.process, 'unmapped') as process

from invoices
left join invoice_type_map on invoice_type_map.value = lower(invoices.invoice_type)
